//! The family's state once the run settled: what its API answers, and every move event its
//! store recorded.

use std::{collections::BTreeMap, path::Path};

use family_events::MOVE;
use serde_json::Value;

use crate::{api::Api, data::DataFolder};

#[derive(Debug, Default)]
pub struct State {
    /// Every move, by id.
    pub moves: BTreeMap<String, Value>,
    /// Every moveview row, by move id.
    pub moveviews: BTreeMap<String, Value>,
    /// Every alarm, by recipient.
    pub alarms: BTreeMap<String, Vec<Value>>,
    /// Every event move recorded, oldest first.
    pub move_events: Vec<kernel::Envelope>,
}

fn by_id(items: Vec<Value>) -> BTreeMap<String, Value> {
    items
        .into_iter()
        .map(|v| (v["id"].as_str().unwrap_or_default().to_owned(), v))
        .collect()
}

impl State {
    pub async fn read_api(api: &Api, families: &[String]) -> anyhow::Result<Self> {
        let moves = by_id(api.list_all("/family/moves").await?);
        let mut moveviews = BTreeMap::new();
        for f in families {
            moveviews.extend(by_id(
                api.list_all(&format!("/family/moveviews?familyId={f}"))
                    .await?,
            ));
        }
        let customers = api.list_all("/family/customers").await?;
        let mut alarms = BTreeMap::new();
        for c in customers {
            let id = c["id"].as_str().unwrap_or_default().to_owned();
            let list = api
                .list_all(&format!("/family/alarms?customerId={id}"))
                .await?;
            alarms.insert(id, list);
        }
        Ok(Self {
            moves,
            moveviews,
            alarms,
            move_events: Vec::new(),
        })
    }

    /// Reads what only the stores hold; the gateway must be stopped.
    pub async fn read_stores(&mut self, data: &Path) -> anyhow::Result<()> {
        self.move_events = DataFolder::open(data)?.events(MOVE).await?;
        Ok(())
    }
}
