//! `POST /productpackings/{id}/accept` — the admin checked availability; payment proceeds
//! synchronously (requirement 3). Paid → `PackingReady` (READY_TO_PACK). Payment down or its
//! breaker open → the task is PAYMENT_PENDING (`PackingPaymentPending`: the customer sees
//! PAYMENT_PENDING) and the admin is told to retry later (503 + Retry-After); accepting again
//! completes it. The order is paid once however often accept is retried or raced: payment is
//! idempotent on the order's id.

use kernel::{AppError, AppResult, Call, aggregate, aggregate::Decide, input::Json, validate::Id};

use crate::{
    Deps,
    domain::{PackingTask, TaskCmd},
};

pub async fn accept(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<PackingTask>> {
    let task = d.tasks.find(id.as_str()).await?.doc;
    task.decide(TaskCmd::Accept)?;
    match d.payments.pay(&task.order_id, &task.user_id, cx).await {
        Ok(payment_id) => {
            let task = aggregate::update(&d.tasks, id.as_str(), cx, |t| {
                Ok(t.decide(TaskCmd::Paid {
                    payment_id: payment_id.clone(),
                })?)
            })
            .await?;
            Ok(Json(task))
        }
        Err(unavailable @ AppError::Unavailable { .. }) => {
            aggregate::update(&d.tasks, id.as_str(), cx, |t| {
                Ok(t.decide(TaskCmd::PaymentUnavailable)?)
            })
            .await?;
            Err(unavailable)
        }
        Err(e) => Err(e),
    }
}
