//! The single declaration of every function: its name, what triggers it, and its handler.
//! The Lambda binaries, the local gateway's routes and subscriptions, the OpenAPI documents and
//! `template.yaml` all follow from these lists.

use std::{fmt, future::Future, pin::Pin, sync::Arc, time::Duration};

use http::Method;

use crate::{
    call::Call,
    envelope::Envelope,
    error::AppError,
    http::{HttpRequest, HttpResponse},
    openapi::ApiDoc,
    platform::Platform,
};

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A bounded context: `system/name`, e.g. `museum/book`. One store (table) and one topic each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContextId {
    pub system: &'static str,
    pub name: &'static str,
}

impl ContextId {
    pub const fn new(system: &'static str, name: &'static str) -> Self {
        Self { system, name }
    }
}

impl fmt::Display for ContextId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.system, self.name)
    }
}

/// An HTTP route below the system's prefix, e.g. `POST /books/{id}/cancel`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
}

/// What makes a function run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// One or more routes on the system's API.
    Http(Vec<Route>),
    /// Events of these types recorded by the source context (an SQS queue subscribed to its topic).
    Events {
        source: ContextId,
        types: Vec<&'static str>,
    },
    /// A timer (an EventBridge schedule).
    Every(Duration),
}

/// A function as declared, without its dependencies.
#[derive(Clone, Debug)]
pub struct FnInfo {
    /// Globally unique, `system-context-verb`: the Lambda's name and its binary's name.
    pub name: &'static str,
    pub trigger: Trigger,
    pub doc: ApiDoc,
    /// Reserved concurrency on AWS, where the function must not overrun what it calls.
    pub reserved_concurrency: Option<u32>,
}

impl FnInfo {
    fn new(name: &'static str, trigger: Trigger) -> Self {
        Self {
            name,
            trigger,
            doc: ApiDoc::default(),
            reserved_concurrency: None,
        }
    }
}

type HttpFn<D> =
    Arc<dyn Fn(Arc<D>, HttpRequest) -> BoxFuture<Result<HttpResponse, AppError>> + Send + Sync>;
type EventFn<D> = Arc<dyn Fn(Arc<D>, Envelope) -> BoxFuture<Result<(), AppError>> + Send + Sync>;
type TickFn<D> = Arc<dyn Fn(Arc<D>, Call) -> BoxFuture<Result<(), AppError>> + Send + Sync>;

enum Handler<D> {
    Http(HttpFn<D>),
    Event(EventFn<D>),
    Tick(TickFn<D>),
}

/// A function's declaration: its info and its handler over the context's dependencies `D`.
pub struct FnSpec<D> {
    info: FnInfo,
    handler: Handler<D>,
}

impl<D: Send + Sync + 'static> FnSpec<D> {
    /// A function behind `method path`.
    pub fn http<F, Fut>(name: &'static str, method: Method, path: &'static str, f: F) -> Self
    where
        F: Fn(Arc<D>, HttpRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<HttpResponse, AppError>> + Send + 'static,
    {
        Self {
            info: FnInfo::new(name, Trigger::Http(vec![Route { method, path }])),
            handler: Handler::Http(Arc::new(move |d, r| Box::pin(f(d, r)))),
        }
    }

    /// A function run for each event of `types` recorded by `source`.
    pub fn on<F, Fut>(name: &'static str, source: ContextId, types: &[&'static str], f: F) -> Self
    where
        F: Fn(Arc<D>, Envelope) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), AppError>> + Send + 'static,
    {
        Self {
            info: FnInfo::new(
                name,
                Trigger::Events {
                    source,
                    types: types.to_vec(),
                },
            ),
            handler: Handler::Event(Arc::new(move |d, e| Box::pin(f(d, e)))),
        }
    }

    /// A function run every `period`.
    pub fn every<F, Fut>(name: &'static str, period: Duration, f: F) -> Self
    where
        F: Fn(Arc<D>, Call) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), AppError>> + Send + 'static,
    {
        Self {
            info: FnInfo::new(name, Trigger::Every(period)),
            handler: Handler::Tick(Arc::new(move |d, cx| Box::pin(f(d, cx)))),
        }
    }

    /// A second route to the same function (e.g. `POST /books/{id}/cancel` beside `DELETE /books/{id}`).
    pub fn also(mut self, method: Method, path: &'static str) -> Self {
        if let Trigger::Http(routes) = &mut self.info.trigger {
            routes.push(Route { method, path });
        }
        self
    }

    /// Caps how many instances run at once on AWS (protects what the function calls or writes).
    pub fn reserved_concurrency(mut self, n: u32) -> Self {
        self.info.reserved_concurrency = Some(n);
        self
    }

    pub fn doc(mut self, doc: ApiDoc) -> Self {
        self.info.doc = doc;
        self
    }

    pub fn info(&self) -> &FnInfo {
        &self.info
    }

    /// The function with its dependencies: what a host (gateway or Lambda) runs.
    pub fn bind(self, context: ContextId, deps: Arc<D>) -> Function {
        let invoke = match self.handler {
            Handler::Http(f) => Invoke::Http(Arc::new(move |r| f(deps.clone(), r))),
            Handler::Event(f) => Invoke::Event(Arc::new(move |e| f(deps.clone(), e))),
            Handler::Tick(f) => Invoke::Tick(Arc::new(move |cx| f(deps.clone(), cx))),
        };
        Function {
            context,
            info: self.info,
            invoke,
        }
    }
}

/// A function ready to run.
#[derive(Clone)]
pub struct Function {
    pub context: ContextId,
    pub info: FnInfo,
    pub invoke: Invoke,
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Function")
            .field("context", &self.context)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

pub type HttpInvoke =
    Arc<dyn Fn(HttpRequest) -> BoxFuture<Result<HttpResponse, AppError>> + Send + Sync>;
pub type EventInvoke = Arc<dyn Fn(Envelope) -> BoxFuture<Result<(), AppError>> + Send + Sync>;
pub type TickInvoke = Arc<dyn Fn(Call) -> BoxFuture<Result<(), AppError>> + Send + Sync>;

#[derive(Clone)]
pub enum Invoke {
    Http(HttpInvoke),
    Event(EventInvoke),
    Tick(TickInvoke),
}

/// A bounded context as the hosts see it: its id, its dependencies and its functions.
pub trait BoundedContext: 'static {
    const ID: ContextId;
    type Deps: Send + Sync + 'static;
    /// Builds the ports this context's functions use, from the platform's adapters.
    fn deps(platform: &dyn Platform) -> anyhow::Result<Self::Deps>;
    /// Every function of this context, declared once.
    fn functions() -> Vec<FnSpec<Self::Deps>>;
}

/// A bounded context with its type erased, for lists of contexts.
#[derive(Clone, Copy)]
pub struct Context {
    pub id: ContextId,
    /// The Rust path of the context's type, e.g. `museum_book::BookContext` (for generated mains).
    pub type_path: &'static str,
    describe: fn() -> Vec<FnInfo>,
    build: fn(&dyn Platform) -> anyhow::Result<Vec<Function>>,
}

impl Context {
    pub fn of<C: BoundedContext>() -> Self {
        Self {
            id: C::ID,
            type_path: std::any::type_name::<C>(),
            describe: || C::functions().iter().map(|s| s.info().clone()).collect(),
            build: |p| {
                let deps = Arc::new(C::deps(p)?);
                Ok(C::functions()
                    .into_iter()
                    .map(|s| s.bind(C::ID, deps.clone()))
                    .collect())
            },
        }
    }

    pub fn functions(&self) -> Vec<FnInfo> {
        (self.describe)()
    }

    pub fn build(&self, platform: &dyn Platform) -> anyhow::Result<Vec<Function>> {
        (self.build)(platform)
    }
}

/// A system: its prefix on the front door and its bounded contexts.
#[derive(Clone)]
pub struct System {
    pub name: &'static str,
    pub title: &'static str,
    pub contexts: Vec<Context>,
    /// One recorded example of each event the system publishes.
    pub samples: fn() -> Vec<crate::envelope::Envelope>,
    /// The id sample requests use for path parameter `param` of the route `path`.
    pub sample_id: fn(path: &str, param: &str) -> &'static str,
}

impl System {
    /// Every function of the system, with its context.
    pub fn functions(&self) -> Vec<(ContextId, FnInfo)> {
        self.contexts
            .iter()
            .flat_map(|c| c.functions().into_iter().map(|f| (c.id, f)))
            .collect()
    }
}
