//! The switches that take a function down and bring it back, to show (and test) failure
//! isolation: a down HTTP function answers 503; a down event handler's queue grows until it is up.

use std::collections::BTreeMap;

use tokio::sync::watch;

pub struct Switchboard {
    switches: BTreeMap<String, watch::Sender<bool>>,
}

#[derive(Debug, thiserror::Error)]
#[error("no function is named {0}")]
pub struct UnknownFunction(pub String);

impl Switchboard {
    /// Every named function starts up.
    pub fn new<'a>(functions: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            switches: functions
                .into_iter()
                .map(|f| (f.to_owned(), watch::Sender::new(true)))
                .collect(),
        }
    }

    pub fn is_up(&self, function: &str) -> bool {
        self.switches.get(function).is_some_and(|s| *s.borrow())
    }

    pub fn set(&self, function: &str, up: bool) -> Result<(), UnknownFunction> {
        let switch = self
            .switches
            .get(function)
            .ok_or_else(|| UnknownFunction(function.to_owned()))?;
        switch.send_replace(up);
        tracing::info!(function, up, "function switched");
        Ok(())
    }

    /// Changes of one function's switch.
    pub fn watch(&self, function: &str) -> Option<watch::Receiver<bool>> {
        self.switches.get(function).map(watch::Sender::subscribe)
    }

    pub fn states(&self) -> impl Iterator<Item = (&str, bool)> {
        self.switches
            .iter()
            .map(|(name, s)| (name.as_str(), *s.borrow()))
    }
}
