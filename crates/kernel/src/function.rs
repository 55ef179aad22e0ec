//! The single declaration of every function: its name, what triggers it, and its handler.
//! The Lambda binaries, the local gateway's routes and subscriptions, the OpenAPI documents and
//! `template.yaml` all follow from these lists.

use std::{fmt, future::Future, pin::Pin, sync::Arc, time::Duration};

use http::Method;

use crate::{
    call::{Call, Principal},
    envelope::Envelope,
    error::AppError,
    http::{HttpRequest, HttpResponse, RequestExt},
    input::FromRequest,
    openapi::ApiDoc,
    output::IntoReply,
    platform::{ContextId, Platform, SecretSpec, Setting},
};

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

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

/// Who may call an HTTP function from outside.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    #[default]
    Public,
    /// Any caller with a valid access token (401 otherwise).
    Authenticated,
    /// A caller with a valid access token that carries this role (401 without one, 403 without the role).
    Role(&'static str),
}

impl Access {
    /// Whether `principal` may call: checked at the front door before the function runs.
    pub fn check(self, principal: Option<&Principal>) -> Result<(), AppError> {
        match (self, principal) {
            (Self::Public, _) => Ok(()),
            (_, None) => Err(AppError::Unauthorized(
                "a valid access token is required (Authorization: Bearer ...)".into(),
            )),
            (Self::Authenticated, Some(_)) => Ok(()),
            (Self::Role(role), Some(p)) if p.has_role(role) => Ok(()),
            (Self::Role(role), Some(_)) => Err(AppError::Forbidden(format!("this needs {role}"))),
        }
    }

    pub fn is_protected(self) -> bool {
        self != Self::Public
    }
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
    /// Only other contexts' synchronous calls reach it: no public route, locally or on AWS.
    pub internal: bool,
    /// Who may call its routes from outside (public functions only).
    pub access: Access,
}

impl FnInfo {
    fn new(name: &'static str, trigger: Trigger) -> Self {
        Self {
            name,
            trigger,
            doc: ApiDoc::default(),
            reserved_concurrency: None,
            internal: false,
            access: Access::Public,
        }
    }

    /// A route an outside client may call.
    pub fn is_public_route(&self) -> bool {
        matches!(self.trigger, Trigger::Http(_)) && !self.internal
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

/// A handler: a plain `async fn(&Deps, Input, &Call) -> Result<Output, AppError>`. (The trait
/// names the future's lifetime, which an `async fn` over references needs.)
pub trait Handles<'a, D: 'a, I, O>: Fn(&'a D, I, &'a Call) -> Self::Fut {
    type Fut: Future<Output = Result<O, AppError>> + Send + 'a;
}

impl<'a, D: 'a, I, O, F, Fut> Handles<'a, D, I, O> for F
where
    F: Fn(&'a D, I, &'a Call) -> Fut,
    Fut: Future<Output = Result<O, AppError>> + Send + 'a,
{
    type Fut = Fut;
}

/// A function's declaration: its info and its handler over the context's dependencies `D`.
pub struct FnSpec<D> {
    info: FnInfo,
    handler: Handler<D>,
}

impl<D: Send + Sync + 'static> FnSpec<D> {
    /// A function behind `method path`: its input is decoded and validated from the request
    /// before it runs (a 400/415 problem otherwise), and its output encoded as the reply. The
    /// OpenAPI operation follows from both types.
    pub fn http<I, O, F>(name: &'static str, method: Method, path: &'static str, f: F) -> Self
    where
        I: FromRequest,
        O: IntoReply,
        F: for<'a> Handles<'a, D, I, O> + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let mut info = FnInfo::new(name, Trigger::Http(vec![Route { method, path }]));
        info.doc = I::document(O::document(ApiDoc::default()));
        Self {
            info,
            handler: Handler::Http(Arc::new(move |d: Arc<D>, request: HttpRequest| {
                let f = f.clone();
                Box::pin(async move {
                    let input = I::from_request(&request)?;
                    let cx = request.call();
                    f(&d, input, &cx).await?.into_reply()
                })
            })),
        }
    }

    /// A function run for each event of `types` recorded by `source`.
    pub fn on<F>(name: &'static str, source: ContextId, types: &[&'static str], f: F) -> Self
    where
        F: for<'a> Handles<'a, D, Envelope, ()> + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        Self {
            info: FnInfo::new(
                name,
                Trigger::Events {
                    source,
                    types: types.to_vec(),
                },
            ),
            handler: Handler::Event(Arc::new(move |d: Arc<D>, event: Envelope| {
                let f = f.clone();
                Box::pin(async move {
                    let cx = Call::caused_by(&event);
                    f(&d, event, &cx).await
                })
            })),
        }
    }

    /// A function run every `period`.
    pub fn every<F>(name: &'static str, period: Duration, f: F) -> Self
    where
        F: for<'a> Handles<'a, D, (), ()> + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        Self {
            info: FnInfo::new(name, Trigger::Every(period)),
            handler: Handler::Tick(Arc::new(move |d: Arc<D>, cx: Call| {
                let f = f.clone();
                Box::pin(async move { f(&d, (), &cx).await })
            })),
        }
    }

    /// What the function does, for its OpenAPI operation.
    pub fn summary(mut self, summary: &'static str) -> Self {
        self.info.doc = self.info.doc.with_summary(summary);
        self
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

    /// Reached only by other contexts' synchronous calls (declared in their `CALLS`): an outside
    /// request gets 404 locally, and on AWS it has no route at all.
    pub fn internal(mut self) -> Self {
        self.info.internal = true;
        self
    }

    /// Needs a valid access token.
    pub fn authenticated(mut self) -> Self {
        self.info.access = Access::Authenticated;
        self
    }

    /// Needs a valid access token carrying `role`.
    pub fn role(mut self, role: &'static str) -> Self {
        self.info.access = Access::Role(role);
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
    /// The contexts whose internal functions this one calls synchronously. The platform refuses
    /// a caller to any other; on AWS only these grant the invoke permission.
    const CALLS: &'static [ContextId] = &[];
    /// The settings its `deps` reads, with their defaults.
    const SETTINGS: &'static [Setting] = &[];
    /// The secrets its `deps` reads.
    const SECRETS: &'static [SecretSpec] = &[];
    /// Whether its `deps` asks for a notifier (`Platform::notifier`). The platform refuses one
    /// to a context that does not declare it; on AWS only these get a notification topic and
    /// the right to publish to it.
    const NOTIFIES: bool = false;
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
    pub calls: &'static [ContextId],
    pub settings: &'static [Setting],
    pub secrets: &'static [SecretSpec],
    pub notifies: bool,
    describe: fn() -> Vec<FnInfo>,
    build: fn(&dyn Platform) -> anyhow::Result<Vec<Function>>,
}

impl Context {
    pub fn of<C: BoundedContext>() -> Self {
        Self {
            id: C::ID,
            type_path: std::any::type_name::<C>(),
            calls: C::CALLS,
            settings: C::SETTINGS,
            secrets: C::SECRETS,
            notifies: C::NOTIFIES,
            describe: || C::functions().iter().map(|s| s.info().clone()).collect(),
            build: |p| {
                let declared = Declared {
                    inner: p,
                    context: C::ID,
                    calls: C::CALLS,
                    notifies: C::NOTIFIES,
                };
                let deps = Arc::new(C::deps(&declared)?);
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

/// The platform as one context's `deps` sees it: a caller only to the contexts it declares in
/// `CALLS`, so an undeclared call fails at start (on AWS it would lack the permission).
struct Declared<'a> {
    inner: &'a dyn Platform,
    context: ContextId,
    calls: &'static [ContextId],
    notifies: bool,
}

impl Platform for Declared<'_> {
    fn store(&self, context: ContextId) -> anyhow::Result<Arc<dyn crate::store::Store>> {
        self.inner.store(context)
    }

    fn caller(&self, from: ContextId, to: ContextId) -> anyhow::Result<crate::sync::Caller> {
        anyhow::ensure!(
            from == self.context && self.calls.contains(&to),
            "{from} calls {to}, but {} declares CALLS = {:?}",
            self.context,
            self.calls
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        );
        self.inner.caller(from, to)
    }

    fn notifier(&self, context: ContextId) -> anyhow::Result<Arc<dyn crate::platform::Notifier>> {
        anyhow::ensure!(
            context == self.context && self.notifies,
            "{context} asks for a notifier, but {} does not declare NOTIFIES = true",
            self.context
        );
        self.inner.notifier(context)
    }

    fn setting(&self, name: &str) -> Option<String> {
        self.inner.setting(name)
    }

    fn secrets(&self) -> Arc<dyn crate::platform::Secrets> {
        self.inner.secrets()
    }
}

/// A live stream of the notifications a context sends (`Platform::notifier`), for one recipient:
/// on the local gateway `GET /<system><path>?<recipient>=<id>` answers Server-Sent Events, one
/// per notification of `channel` to that recipient (the event's name is the channel, its data
/// the notification's `data`). On AWS the system pushes them its own way (a WebSocket API).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiveStream {
    pub path: &'static str,
    pub channel: &'static str,
    /// The query parameter that names the recipient.
    pub recipient: &'static str,
}

/// A system: its prefix on the front door and its bounded contexts.
#[derive(Clone)]
pub struct System {
    pub name: &'static str,
    pub title: &'static str,
    pub contexts: Vec<Context>,
    /// How access tokens are checked on its protected routes (a system with none has none).
    pub auth: Option<crate::auth::TokenPolicy>,
    /// The system's page in the local web UI (HTML), served at `/ui/<name>`.
    pub ui: Option<&'static str>,
    /// Its live notification streams on the local gateway (Server-Sent Events).
    pub streams: Vec<LiveStream>,
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

    pub fn context(&self, id: ContextId) -> Option<&Context> {
        self.contexts.iter().find(|c| c.id == id)
    }

    /// What the platform requires of every declaration; each problem named. The systems' test
    /// runs it over every system, so a mistake fails the build's tests, not a deployment.
    pub fn check(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        let mut names = std::collections::BTreeSet::new();
        if !is_kebab(self.name) || self.name.contains('-') {
            problems.push(format!(
                "system name {:?} must be lowercase letters and digits",
                self.name
            ));
        }
        for context in &self.contexts {
            if context.id.system != self.name {
                problems.push(format!(
                    "context {} is not of system {}",
                    context.id, self.name
                ));
            }
            if !is_kebab(context.id.name) || context.id.name.contains('-') {
                problems.push(format!(
                    "context name {:?} must be lowercase letters and digits",
                    context.id.name
                ));
            }
            for to in context.calls {
                let internal = self
                    .context(*to)
                    .map(|c| c.functions().iter().any(|f| f.internal))
                    .unwrap_or(false);
                if !internal {
                    problems.push(format!(
                        "{} calls {to}, which has no internal function in {}",
                        context.id, self.name
                    ));
                }
            }
            let publisher = format!("{}-{}-publisher", self.name, context.id.name);
            if publisher.len() > MAX_FUNCTION_NAME {
                problems.push(format!("context {} makes the publisher name {publisher} longer than {MAX_FUNCTION_NAME} characters", context.id));
            }
            let prefix = format!("{}-{}-", self.name, context.id.name);
            for f in context.functions() {
                if !names.insert(f.name) {
                    problems.push(format!("function name {} is declared twice", f.name));
                }
                if !f.name.starts_with(&prefix) || !is_kebab(f.name) || f.name.len() == prefix.len()
                {
                    problems.push(format!(
                        "function name {} must be `{prefix}<verb>` in lowercase kebab-case",
                        f.name
                    ));
                }
                if f.name.len() > MAX_FUNCTION_NAME {
                    problems.push(format!(
                        "function name {} is longer than {MAX_FUNCTION_NAME} characters",
                        f.name
                    ));
                }
                let http = matches!(f.trigger, Trigger::Http(_));
                if f.internal && !http {
                    problems.push(format!("{} is internal but has no route", f.name));
                }
                if f.access.is_protected() && (f.internal || !http) {
                    problems.push(format!("{} needs a token but is no public route", f.name));
                }
                if f.access.is_protected() && self.auth.is_none() {
                    problems.push(format!(
                        "{} needs a token but {} declares no token policy",
                        f.name, self.name
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// Longest function name: AWS allows 64 for a Lambda, and the deployment prefixes each with
/// the stack's short name (at most 16 characters and a dash).
pub const MAX_FUNCTION_NAME: usize = 64 - 17;

fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        error::AppError,
        platform::{Notification, Notifier, Secrets},
    };

    const HERE: ContextId = ContextId::new("sys", "here");

    struct Quiet;

    #[async_trait::async_trait]
    impl Notifier for Quiet {
        async fn notify(&self, _: Notification) -> Result<(), AppError> {
            Ok(())
        }
    }

    /// A platform that only gives notifiers.
    struct Notifying;

    impl Platform for Notifying {
        fn store(&self, _: ContextId) -> anyhow::Result<Arc<dyn crate::store::Store>> {
            anyhow::bail!("no store here")
        }
        fn caller(&self, _: ContextId, _: ContextId) -> anyhow::Result<crate::sync::Caller> {
            anyhow::bail!("no caller here")
        }
        fn notifier(&self, _: ContextId) -> anyhow::Result<Arc<dyn Notifier>> {
            Ok(Arc::new(Quiet))
        }
        fn setting(&self, _: &str) -> Option<String> {
            None
        }
        fn secrets(&self) -> Arc<dyn Secrets> {
            unimplemented!("not asked in these tests")
        }
    }

    struct Silent;
    struct Loud;

    impl BoundedContext for Silent {
        const ID: ContextId = HERE;
        type Deps = ();
        fn deps(p: &dyn Platform) -> anyhow::Result<()> {
            p.notifier(HERE).map(drop)
        }
        fn functions() -> Vec<FnSpec<()>> {
            Vec::new()
        }
    }

    impl BoundedContext for Loud {
        const ID: ContextId = HERE;
        const NOTIFIES: bool = true;
        type Deps = ();
        fn deps(p: &dyn Platform) -> anyhow::Result<()> {
            p.notifier(HERE).map(drop)
        }
        fn functions() -> Vec<FnSpec<()>> {
            Vec::new()
        }
    }

    #[test]
    fn a_context_gets_a_notifier_only_when_it_declares_that_it_notifies() {
        let refused = Context::of::<Silent>()
            .build(&Notifying)
            .err()
            .map(|e| e.to_string());
        assert!(
            refused.as_deref().is_some_and(|e| e.contains("NOTIFIES")),
            "{refused:?}"
        );
        assert!(Context::of::<Loud>().build(&Notifying).is_ok());
        assert!(Context::of::<Loud>().notifies && !Context::of::<Silent>().notifies);
    }
}
