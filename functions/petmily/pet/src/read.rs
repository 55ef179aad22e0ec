//! `GET /api/v1/pet`, `GET /api/v1/pet/{id}`, and `GET /internal/pets/{id}` (match asks).

use kernel::{
    AppError, AppResult, Call, Lookup, Order, Page, PageRequest, input::Json, validate::Id,
};

use crate::{
    Deps,
    domain::{BY_OWNER, Pet},
};

/// The caller's own pets, newest first.
pub async fn list(d: &Deps, page: PageRequest, cx: &Call) -> AppResult<Page<Pet>> {
    let owner = petmily_events::caller(cx)?.subject.clone();
    d.pets
        .list(Lookup::By(BY_OWNER, owner), Order::Newest, &page)
        .await
}

/// A pet, for its owner or the sitter caring for it (403 for anyone else).
pub async fn get(d: &Deps, id: Id, cx: &Call) -> AppResult<Json<Pet>> {
    let caller = petmily_events::caller(cx)?;
    let pet = d.pets.find(id.as_str()).await?.doc;
    if !pet.readable_by(&caller.subject) {
        return Err(AppError::Forbidden(
            "only the pet's owner or the sitter caring for it may read it".into(),
        ));
    }
    Ok(Json(pet))
}

/// A pet with its owner, for match's checks and its match view.
pub async fn card(d: &Deps, id: Id, _: &Call) -> AppResult<Json<Pet>> {
    Ok(Json(d.pets.find(id.as_str()).await?.doc))
}
