//! 반려동물 (a pet): registered by its owner; the sitters caring for it now may read it. Pure.

use kernel::{Aggregate, Document, Keys, Slot, aggregate::Decide};
use petmily_events::PetRegistered;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pet {
    pub id: String,
    /// The owner's login id.
    pub owner_id: String,
    pub name: String,
    pub species: String,
    pub breed: String,
    pub age: u32,
    pub notes: String,
    /// The sitters whose care of the pet runs now (from match's events).
    pub carers: Vec<String>,
}

/// Pets by owner.
pub const BY_OWNER: Slot = Slot::A;

impl Document for Pet {
    const KIND: &'static str = "Pet";
    fn id(&self) -> &str {
        &self.id
    }
    fn keys(&self) -> Keys {
        Keys {
            a: Some(self.owner_id.clone()),
            b: None,
        }
    }
}

impl Pet {
    /// Whether `login_id` may read the pet: its owner, or a sitter caring for it now.
    pub fn readable_by(&self, login_id: &str) -> bool {
        self.owner_id == login_id || self.carers.iter().any(|c| c == login_id)
    }

    /// The pet with `sitter` caring for it (once).
    pub fn cared_by(mut self, sitter: &str) -> Self {
        if !self.carers.iter().any(|c| c == sitter) {
            self.carers.push(sitter.to_owned());
        }
        self
    }

    /// The pet after `sitter`'s care ended.
    pub fn released_by(mut self, sitter: &str) -> Self {
        self.carers.retain(|c| c != sitter);
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "eventType", content = "payload")]
pub enum PetEvent {
    PetRegistered(PetRegistered),
}

/// Registering: the details that are not in the event are kept on the record only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PetCmd {
    Register {
        id: String,
        owner_id: String,
        name: String,
        species: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("pet {0} already exists")]
    AlreadyRegistered(String),
}

impl From<Refusal> for kernel::AppError {
    fn from(r: Refusal) -> Self {
        Self::Conflict(r.to_string())
    }
}

impl Decide for Pet {
    type Command = PetCmd;
    type Refusal = Refusal;

    fn decide(&self, cmd: PetCmd) -> Result<Vec<PetEvent>, Refusal> {
        match cmd {
            PetCmd::Register {
                id,
                owner_id,
                name,
                species,
            } => {
                if !self.id.is_empty() {
                    return Err(Refusal::AlreadyRegistered(self.id.clone()));
                }
                Ok(vec![PetEvent::PetRegistered(PetRegistered {
                    pet_id: id,
                    owner_id,
                    name,
                    species,
                })])
            }
        }
    }
}

impl Aggregate for Pet {
    type Event = PetEvent;

    fn apply(mut self, event: &PetEvent) -> Self {
        match event {
            PetEvent::PetRegistered(e) => {
                self.id = e.pet_id.clone();
                self.owner_id = e.owner_id.clone();
                self.name = e.name.clone();
                self.species = e.species.clone();
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use testkit::given;

    use super::*;

    fn register() -> PetCmd {
        PetCmd::Register {
            id: "p1".into(),
            owner_id: "kim".into(),
            name: "Bori".into(),
            species: "dog".into(),
        }
    }

    fn registered() -> PetEvent {
        PetEvent::PetRegistered(PetRegistered {
            pet_id: "p1".into(),
            owner_id: "kim".into(),
            name: "Bori".into(),
            species: "dog".into(),
        })
    }

    #[test]
    fn a_member_registers_a_pet_they_own() {
        let p = given::<Pet>([]).when(register()).then([registered()]);
        assert_eq!((p.owner_id.as_str(), p.name.as_str()), ("kim", "Bori"));
    }

    #[test]
    fn a_pet_is_registered_once() {
        given::<Pet>([registered()])
            .when(register())
            .then_refused(Refusal::AlreadyRegistered("p1".into()));
    }

    #[test]
    fn only_the_owner_and_a_sitter_caring_for_it_read_a_pet() {
        let p = Pet {
            owner_id: "kim".into(),
            ..Pet::default()
        };
        assert!(p.readable_by("kim") && !p.readable_by("lee"));
        let p = p.cared_by("lee").cared_by("lee");
        assert_eq!(p.carers, vec!["lee".to_owned()]);
        assert!(p.readable_by("lee"));
        assert!(!p.released_by("lee").readable_by("lee"));
    }
}
