//! A function's resources: the Lambda (published as alias `live` behind a canary deployment),
//! its role, its log group, and the alarms its canary rolls back on: `Errors` (the runtime saw
//! the function fail) and its own logic-failure metric (5xx answers, failed deliveries).

use crate::yaml::{Y, int, list, map, r#ref, s};

use super::{
    alarm::{Alarm, NAMESPACE},
    iam::{self, Grant},
    names,
};

/// The function's own metric that counts what it failed at without erroring (see
/// `lambda::metrics`), with what it means.
pub struct Failures {
    pub metric: &'static str,
    pub what: &'static str,
}

pub struct Lambda {
    pub id: String,
    /// The declared name: the binary, and the deployed name after the prefix.
    pub name: String,
    pub description: String,
    pub environment: Vec<(String, Y)>,
    pub grants: Vec<Grant>,
    pub events: Vec<(String, Y)>,
    pub reserved_concurrency: Option<u32>,
    pub failures: Option<Failures>,
    /// Alarms of the front door that also roll this function's canary back (logical ids or names).
    pub extra_alarms: Vec<Y>,
}

impl Lambda {
    pub fn resources(self) -> Vec<(String, Y)> {
        let Lambda {
            id,
            name,
            description,
            environment,
            grants,
            events,
            reserved_concurrency,
            failures,
            extra_alarms,
        } = self;
        let role = format!("{id}Role");
        let logs = format!("{id}Logs");
        let errors = format!("{id}Errors");
        let mut alarms = vec![r#ref(&errors)];
        let mut out = Vec::new();
        let mut props = vec![
            ("FunctionName".to_owned(), names::function(&name)),
            ("Description".to_owned(), s(description)),
            ("Role".to_owned(), crate::yaml::get_att(&role, "Arn")),
            (
                "LoggingConfig".to_owned(),
                map([("LogFormat", s("JSON")), ("LogGroup", r#ref(&logs))]),
            ),
        ];
        if !environment.is_empty() {
            props.push((
                "Environment".to_owned(),
                map([("Variables", Y::Map(environment))]),
            ));
        }
        if let Some(n) = reserved_concurrency {
            props.push((
                "ReservedConcurrentExecutions".to_owned(),
                map([(
                    "Fn::If",
                    list([
                        s(super::RESERVED_CONCURRENCY_ON),
                        int(i64::from(n)),
                        r#ref("AWS::NoValue"),
                    ]),
                )]),
            ));
        }
        if let Some(Failures { metric, what }) = failures {
            let failed = format!("{id}Failures");
            out.push((
                failed.clone(),
                Alarm::sum(
                    names::alarm(&name, "failures"),
                    format!("{name}: {what} (rolls back a canary deployment)"),
                    NAMESPACE,
                    metric,
                    vec![("function", names::function(&name))],
                    1,
                )
                .resource(),
            ));
            alarms.push(r#ref(&failed));
        }
        alarms.extend(extra_alarms);
        props.push((
            "DeploymentPreference".to_owned(),
            map([
                ("Type", s("Canary10Percent5Minutes")),
                ("Alarms", Y::List(alarms)),
            ]),
        ));
        if !events.is_empty() {
            props.push(("Events".to_owned(), Y::Map(events)));
        }
        let function = map([
            ("Type", s("AWS::Serverless::Function")),
            (
                "Metadata",
                map([
                    ("BuildMethod", s("rust-cargolambda")),
                    ("BuildProperties", map([("Binary", s(name.clone()))])),
                ]),
            ),
            ("Properties", Y::Map(props)),
        ]);
        let log_group = map([
            ("Type", s("AWS::Logs::LogGroup")),
            (
                "Properties",
                map([
                    ("LogGroupName", names::log_group(&name)),
                    ("RetentionInDays", r#ref("LogRetentionDays")),
                ]),
            ),
        ]);
        let error_alarm = Alarm::sum(
            names::alarm(&name, "errors"),
            format!("{name} failed (rolls back a canary deployment)"),
            "AWS/Lambda",
            "Errors",
            vec![
                ("FunctionName", names::function(&name)),
                (
                    "Resource",
                    crate::yaml::sub(format!("${{{}}}-{name}:live", names::PREFIX)),
                ),
            ],
            1,
        )
        .resource();
        let mut all = vec![
            (id.clone(), function),
            (role, iam::role(&name, &logs, &grants)),
            (logs, log_group),
            (errors, error_alarm),
        ];
        all.extend(out);
        all
    }
}
