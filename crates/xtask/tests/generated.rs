//! The declarations are the single source of truth: template.yaml, infra/, every Lambda main and
//! sample event are generated from them, and these tests fail when a committed file is not what
//! they say, or when what they generate would not deploy (a name past its limit, a `*` resource,
//! a logical id used twice).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::{collections::BTreeSet, path::PathBuf};

use support::{Template, resources, sub_text};
use xtask::template::{iam::UNSCOPED_ACTIONS, names};

#[test]
fn committed_templates_mains_and_samples_match_the_declarations() {
    let root = xtask::workspace_root();
    let stale = xtask::stale(&root, &systems::all());
    assert!(
        stale.is_empty(),
        "stale generated files (run `cargo run -p xtask -- generate`): {stale:?}"
    );
}

#[test]
fn every_lambda_main_is_generated_and_no_context_crate_has_one() {
    let root = xtask::workspace_root();
    let systems = systems::all();
    let generated: BTreeSet<PathBuf> = xtask::generated(&systems)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    for system in &systems {
        let dir = xtask::mains::crate_dir(system).join("src/bin");
        for entry in std::fs::read_dir(root.join(&dir)).unwrap() {
            let path = dir.join(entry.unwrap().file_name());
            assert!(
                generated.contains(&path),
                "{} is no declared function's main",
                path.display()
            );
        }
        for context in &system.contexts {
            let bin = root.join(format!(
                "functions/{}/{}/src/bin",
                context.id.system, context.id.name
            ));
            assert!(
                !bin.exists(),
                "{} holds Lambda mains; they belong in {}",
                bin.display(),
                dir.display()
            );
        }
    }
}

#[test]
fn the_template_declares_every_function_once_with_distinct_logical_ids() {
    for system in systems::all()
        .into_iter()
        .chain([support::system_with_auth()])
    {
        let template = Template::of(&system);
        let deployed = xtask::template::deployed_functions(&system);
        let expected = system.functions().len()
            + xtask::template::sources(&system).len()
            + usize::from(system.auth.is_some())
            + 2 * xtask::template::live_streams(&system).len();
        assert_eq!(
            deployed.len(),
            expected,
            "two functions share a logical id: {deployed:?}"
        );
        let names: BTreeSet<&String> = deployed.values().collect();
        assert_eq!(names.len(), expected, "two functions share a name");
        for (logical, name) in deployed {
            assert_eq!(
                template.text.matches(&format!("Binary: {name}\n")).count(),
                1,
                "{name} in infra/{}.yaml",
                system.name
            );
            assert!(template.resource(&logical).is_some(), "{logical} ({name})");
        }
        support::assert_unique_keys(&template.text);
    }
}

/// AWS's limits on the names the templates give (CloudFormation's own resource documentation).
const LIMITS: &[(&str, &str, usize)] = &[
    ("AWS::Serverless::Function", "FunctionName", 64),
    ("AWS::IAM::Role", "RoleName", 64),
    ("AWS::SQS::Queue", "QueueName", 80),
    ("AWS::SNS::Topic", "TopicName", 256),
    ("AWS::Logs::LogGroup", "LogGroupName", 512),
    ("AWS::CloudWatch::Alarm", "AlarmName", 255),
    ("AWS::DynamoDB::Table", "TableName", 255),
    ("AWS::SecretsManager::Secret", "Name", 512),
    ("AWS::ApiGatewayV2::Authorizer", "Name", 128),
    ("AWS::ApiGatewayV2::Api", "Name", 128),
];

#[test]
fn every_name_is_explicit_and_within_its_limit_at_the_longest_prefix() {
    let prefix = "p".repeat(names::PREFIX_MAX);
    let mut documents = vec![("template.yaml".to_owned(), support::root_template())];
    for system in systems::all()
        .into_iter()
        .chain([support::system_with_auth()])
    {
        documents.push((
            format!("infra/{}.yaml", system.name),
            Template::of(&system).doc,
        ));
    }
    let mut checked = 0;
    for (file, doc) in &documents {
        for (logical, resource) in resources(doc) {
            let kind = resource["Type"].as_str().unwrap_or_default();
            let Some((_, property, limit)) = LIMITS.iter().find(|(k, _, _)| *k == kind) else {
                continue;
            };
            let value = resource["Properties"].get(*property).unwrap_or_else(|| {
                panic!("{file}: {logical} ({kind}) has no {property}: a generated name could pass its limit")
            });
            let name = sub_text(value).replace("${Prefix}", &prefix);
            assert!(!name.contains("${"), "{file}: {logical} {property} {name}");
            assert!(
                name.len() <= *limit,
                "{file}: {logical} {property} {name} is {} > {limit}",
                name.len()
            );
            if kind == "AWS::SQS::Queue" {
                let stem = name.strip_suffix(".fifo").unwrap_or(&name);
                assert!(
                    stem.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                    "{name}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "checked {checked} names");
}

#[test]
fn roles_grant_exact_resources_only_and_every_function_has_its_own() {
    for system in systems::all()
        .into_iter()
        .chain([support::system_with_auth()])
    {
        let template = Template::of(&system);
        for (logical, resource) in resources(&template.doc) {
            match resource["Type"].as_str() {
                Some("AWS::Serverless::Function") => {
                    let props = &resource["Properties"];
                    assert!(
                        props.get("Policies").is_none(),
                        "{logical}: SAM policies grant `*`"
                    );
                    let role = support::get_att_target(&props["Role"]);
                    assert_eq!(role, format!("{logical}Role"), "{logical} has its own role");
                }
                Some("AWS::IAM::Role") => {
                    for statement in support::statements(&resource) {
                        let actions: Vec<&str> = support::strings(&statement["Action"]);
                        for r in support::resource_values(&statement["Resource"]) {
                            if r.as_str() == Some("*") {
                                assert!(
                                    actions.iter().all(|a| UNSCOPED_ACTIONS.contains(a)),
                                    "{logical}: {actions:?} on *"
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

#[test]
fn internal_functions_have_no_route_and_only_their_callers_may_invoke_them() {
    for system in systems::all() {
        let template = Template::of(&system);
        for (context, f) in system.functions() {
            let id = xtask::template::logical_id(system.name, f.name);
            let routed = template.resource(&format!("{id}Route")).is_some();
            let http = matches!(f.trigger, kernel::Trigger::Http(_));
            assert_eq!(routed, http && !f.internal, "{}", f.name);
            let invokes = template.invoked_by(&format!("{id}Role"));
            let callable: BTreeSet<String> = xtask::template::internal_routes(&system, context)
                .into_iter()
                .map(|(_, name)| name.to_owned())
                .collect();
            assert_eq!(
                invokes, callable,
                "{} may invoke exactly its context's callees",
                f.name
            );
            for callee in &callable {
                let callee_info = system
                    .functions()
                    .into_iter()
                    .find(|(_, g)| g.name == *callee)
                    .unwrap()
                    .1;
                assert!(callee_info.internal, "{callee} is internal");
            }
        }
    }
}

#[test]
fn only_a_notifying_context_gets_the_notification_topic_and_may_publish_to_it() {
    let mut seen = 0;
    for system in systems::all() {
        let template = Template::of(&system);
        let topic = template.resource(xtask::template::NOTIFICATIONS_TOPIC);
        assert_eq!(
            topic.is_some(),
            system.contexts.iter().any(|c| c.notifies),
            "{}: a topic exactly when a context notifies",
            system.name
        );
        if let Some(topic) = topic {
            assert_eq!(topic["Type"], "AWS::SNS::Topic");
        }
        for context in &system.contexts {
            for f in context.functions() {
                let id = xtask::template::logical_id(system.name, f.name);
                let props = &template.resource(&id).unwrap()["Properties"];
                let env = &props["Environment"]["Variables"];
                assert_eq!(
                    env.get("NOTIFY_TOPIC_ARN").is_some(),
                    context.notifies,
                    "{}",
                    f.name
                );
                let publishes =
                    support::statements(template.resource(&format!("{id}Role")).unwrap())
                        .iter()
                        .any(|st| {
                            support::strings(&st["Action"]).contains(&"sns:Publish")
                                && support::resource_values(&st["Resource"]).iter().any(|r| {
                                    // `!Ref NotificationsTopic`, a tagged value
                                    format!("{r:?}").contains(xtask::template::NOTIFICATIONS_TOPIC)
                                })
                        });
                assert_eq!(
                    publishes, context.notifies,
                    "{} publishes notifications",
                    f.name
                );
                seen += usize::from(context.notifies);
            }
        }
    }
    assert!(
        seen > 0,
        "some system notifies, so this test checks something"
    );
}

#[test]
fn family_alarms_get_a_websocket_api_that_only_the_notifying_context_posts_to() {
    let family = systems::all()
        .into_iter()
        .find(|s| s.name == "family")
        .unwrap();
    assert_eq!(xtask::template::live_streams(&family).len(), 1);
    let template = Template::of(&family);
    let api = &template.resource("AlarmStreamApi").unwrap()["Properties"];
    assert_eq!(api["ProtocolType"], "WEBSOCKET");
    assert_eq!(api["RouteSelectionExpression"], "$request.body.action");
    for (route, function) in [
        ("$connect", "AlarmWsConnect"),
        ("$disconnect", "AlarmWsDisconnect"),
    ] {
        let props = &template.resource(&format!("{function}Route")).unwrap()["Properties"];
        assert_eq!(props["RouteKey"], route);
        assert_eq!(
            sub_text(&props["Target"]),
            format!("integrations/${{{function}Integration}}")
        );
        let integration = &template
            .resource(&format!("{function}Integration"))
            .unwrap()["Properties"];
        assert_eq!(integration["IntegrationType"], "AWS_PROXY");
        assert!(sub_text(&integration["IntegrationUri"]).ends_with(":live/invocations"));
        let permission =
            &template.resource(&format!("{function}Permission")).unwrap()["Properties"];
        assert!(
            sub_text(&permission["SourceArn"]).ends_with(&format!("${{AlarmStreamApi}}/*/{route}"))
        );
        let env = &template.resource(function).unwrap()["Properties"]["Environment"]["Variables"];
        assert!(env.get("CONNECTIONS_TABLE").is_some(), "{function}");
    }
    let stage = &template.resource("AlarmStreamStage").unwrap()["Properties"];
    assert_eq!(stage["AutoDeploy"], true);
    assert_eq!(stage["StageName"], lambda::live::STAGE);
    let table = &template.resource("AlarmStreamConnections").unwrap()["Properties"];
    assert_eq!(
        table["TimeToLiveSpecification"]["AttributeName"],
        "expiresAt"
    );
    assert_eq!(table["TimeToLiveSpecification"]["Enabled"], true);
    assert_eq!(table["KeySchema"][0]["AttributeName"], "recipient");
    assert_eq!(table["KeySchema"][1]["AttributeName"], "connectionId");
    assert!(
        sub_text(&template.doc["Outputs"]["AlarmStreamUrl"]["Value"])
            .starts_with("wss://${AlarmStreamApi}.execute-api.")
    );
    // Only the alarm context's functions post (and learn where to); the others do not.
    for context in &family.contexts {
        for f in context.functions() {
            let id = xtask::template::logical_id(family.name, f.name);
            let env = &template.resource(&id).unwrap()["Properties"]["Environment"]["Variables"];
            let manages = support::statements(template.resource(&format!("{id}Role")).unwrap())
                .iter()
                .any(|st| {
                    support::strings(&st["Action"]).contains(&"execute-api:ManageConnections")
                });
            assert_eq!(manages, context.notifies, "{}", f.name);
            assert_eq!(
                env.get("LIVE_STREAMS").is_some(),
                context.notifies,
                "{}",
                f.name
            );
        }
    }
    // A system that is not listed in `WEBSOCKET_SYSTEMS` keeps its stream local only.
    for system in systems::all() {
        let listed = xtask::template::live::WEBSOCKET_SYSTEMS.contains(&system.name);
        let text = Template::of(&system).text;
        assert_eq!(
            text.contains("WEBSOCKET"),
            listed && !system.streams.is_empty(),
            "{}",
            system.name
        );
    }
}

#[test]
fn a_system_with_a_token_policy_gets_an_authorizer_on_its_protected_routes_only() {
    let system = support::system_with_auth();
    let template = Template::of(&system);
    let authorizer = template.resource("Authorizer").expect("an authorizer");
    assert_eq!(authorizer["Properties"]["AuthorizerType"], "REQUEST");
    assert_eq!(authorizer["Properties"]["EnableSimpleResponses"], true);
    let protected = template.resource("DemoAdminRoute").unwrap();
    assert_eq!(protected["Properties"]["AuthorizationType"], "CUSTOM");
    let public = template.resource("DemoHelloRoute").unwrap();
    assert!(public["Properties"].get("AuthorizationType").is_none());
    let key = template
        .resource("DemoSigningKeySecret")
        .expect("the signing key's secret");
    assert!(key["Properties"].get("GenerateSecretString").is_some());
    let env =
        &template.resource("AuthAuthorize").unwrap()["Properties"]["Environment"]["Variables"];
    assert!(env.get("DEMO_SIGNING_KEY_SECRET_ARN").is_some());
    let mains = xtask::mains::files(&system);
    assert!(
        mains
            .iter()
            .any(|(p, body)| p.ends_with("demo-auth-authorize.rs")
                && body.contains("lambda::authorizer::run"))
    );
}

#[test]
fn the_local_gateway_compiles_no_aws_sdk() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .current_dir(xtask::workspace_root())
        .args([
            "tree",
            "-p",
            "gateway",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(tree.lines().any(|l| l.starts_with("kernel ")), "{tree}");
    let aws: BTreeSet<&str> = tree
        .lines()
        .filter_map(|l| l.split(' ').next())
        .filter(|c| c.starts_with("aws-") || c.starts_with("lambda") || c.starts_with("aws_"))
        .collect();
    assert!(aws.is_empty(), "the gateway depends on {aws:?}");
}

#[test]
fn sample_events_are_generated_for_every_function() {
    for system in systems::all() {
        let samples = xtask::samples::for_system(&system);
        for name in xtask::template::deployed_functions(&system).values() {
            if name.ends_with("-auth-authorize") {
                continue;
            }
            assert!(
                samples.iter().any(|(n, _)| n == name),
                "no sample event for {name}"
            );
        }
    }
}

#[test]
fn a_protected_routes_sample_carries_the_authorizers_principal_and_a_public_ones_none() {
    let samples = xtask::samples::for_system(&support::system_with_auth());
    let sample = |name: &str| {
        samples
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e.clone())
            .unwrap()
    };
    let admin = sample("demo-demo-admin");
    let context = &admin["requestContext"]["authorizer"]["lambda"];
    assert_eq!(context["sub"], "01KADEMO000000000000000001");
    assert_eq!(context["roles"], serde_json::json!(["ROLE_ADMIN"]));
    assert!(sample("demo-demo-hello")["requestContext"]["authorizer"].is_null());
}
