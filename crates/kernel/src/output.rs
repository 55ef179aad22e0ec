//! A handler's typed output, encoded as the reply: `Json<T>` (200), `Created<T>` (201 with its
//! `Location`), `Accepted<T>` (202), `Page<T>` (200, one page of a list). Each says what it
//! answers for the OpenAPI document.

use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    error::AppError,
    http::{HttpResponse, reply},
    input::Json,
    openapi::ApiDoc,
    store::Page,
};

pub trait IntoReply: Send + 'static {
    fn into_reply(self) -> Result<HttpResponse, AppError>;

    /// Adds what this reply answers to the operation's document.
    fn document(doc: ApiDoc) -> ApiDoc {
        doc
    }
}

/// 200 with the resource (a read, or a command's resource in its new state).
impl<T: Serialize + ToSchema + Send + 'static> IntoReply for Json<T> {
    fn into_reply(self) -> Result<HttpResponse, AppError> {
        reply::ok(&self.0)
    }

    fn document(doc: ApiDoc) -> ApiDoc {
        doc.reply::<T>(200)
    }
}

/// 201 with the created resource and where to read it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created<T> {
    pub location: String,
    pub body: T,
}

impl<T> Created<T> {
    /// `location` is the resource's whole path, the system's prefix included, e.g. `/museum/books/b1`.
    pub fn at(location: impl Into<String>, body: T) -> Self {
        Self {
            location: location.into(),
            body,
        }
    }
}

impl<T: Serialize + ToSchema + Send + 'static> IntoReply for Created<T> {
    fn into_reply(self) -> Result<HttpResponse, AppError> {
        reply::created(&self.location, &self.body)
    }

    fn document(doc: ApiDoc) -> ApiDoc {
        doc.reply::<T>(201)
    }
}

/// 202: the command was taken; its outcome is decided asynchronously.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted<T>(pub T);

impl<T: Serialize + ToSchema + Send + 'static> IntoReply for Accepted<T> {
    fn into_reply(self) -> Result<HttpResponse, AppError> {
        reply::accepted(&self.0)
    }

    fn document(doc: ApiDoc) -> ApiDoc {
        doc.reply::<T>(202)
    }
}

/// 200 with one page of a list; the route takes `?limit=&cursor=`.
impl<T: Serialize + ToSchema + Send + 'static> IntoReply for Page<T> {
    fn into_reply(self) -> Result<HttpResponse, AppError> {
        reply::ok(&self)
    }

    fn document(doc: ApiDoc) -> ApiDoc {
        doc.page_of::<T>()
    }
}
