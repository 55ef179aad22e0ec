//! `POST /api/v1/pet` — a member registers a pet (requirement 3). Works while match is down:
//! it calls nothing.

use kernel::{
    AppResult, Call, Tx,
    aggregate::{self, Decide},
    input::Json,
    output::Created,
    validate::{Count, Text},
};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    Deps,
    domain::{Pet, PetCmd},
};

pub type PetName = Text<50>;
pub type Species = Text<30>;
pub type Breed = Text<50>;
pub type Notes = Text<1000>;
/// Age in years: 0 to 50.
pub type Age = Count<0, 50>;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterPet {
    pub name: PetName,
    /// e.g. dog, cat.
    pub species: Species,
    pub breed: Option<Breed>,
    pub age: Age,
    pub notes: Option<Notes>,
}

pub async fn register(
    d: &Deps,
    Json(cmd): Json<RegisterPet>,
    cx: &Call,
) -> AppResult<Created<Pet>> {
    let owner = petmily_events::caller(cx)?.subject.clone();
    let id = cx.new_id();
    let events = Pet::default().decide(PetCmd::Register {
        id: id.clone(),
        owner_id: owner,
        name: cmd.name.into_string(),
        species: cmd.species.into_string(),
    })?;
    // The details no other context needs are kept on the record, not in the event.
    let mut tx = Tx::new();
    let initial = Pet {
        breed: cmd.breed.map(String::from).unwrap_or_default(),
        age: cmd.age.get() as u32,
        notes: cmd.notes.map(String::from).unwrap_or_default(),
        ..Pet::default()
    };
    let committed = aggregate::record(&mut tx, d.pets.store().context(), initial, 0, events, cx)?;
    d.pets.store().commit(tx.into_inner()).await?;
    Ok(Created::at(
        petmily_events::path(&format!("/api/v1/pet/{id}")),
        committed.state,
    ))
}
