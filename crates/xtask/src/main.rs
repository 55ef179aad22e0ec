//! `cargo run -p xtask -- generate` rewrites template.yaml and infra/*.yaml;
//! `cargo run -p xtask -- check` fails if they are stale;
//! `cargo run -p xtask -- measure-lambdas [function...]` builds every Lambda (or those named) in
//! release and measures it;
//! `cargo run -p xtask -- replay <table> <topic-arn> <on-failure-queue-url>` publishes again
//! what a publisher set aside (README, "Deploying to AWS").

use anyhow::Context as _;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let root = xtask::workspace_root();
    let systems = systems::all();
    match std::env::args().nth(1).as_deref() {
        Some("generate") => {
            for (path, contents) in xtask::generated(&systems) {
                let full = root.join(&path);
                if let Some(dir) = full.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::write(&full, contents)
                    .with_context(|| format!("writing {}", full.display()))?;
                println!("wrote {}", path.display());
            }
            Ok(())
        }
        Some("check") => {
            let stale = xtask::stale(&root, &systems);
            anyhow::ensure!(
                stale.is_empty(),
                "stale (run `cargo run -p xtask -- generate`): {stale:?}"
            );
            println!("generated files are up to date");
            Ok(())
        }
        Some("measure-lambdas") => {
            let only: Vec<String> = std::env::args().skip(2).collect();
            let results = xtask::lambdas::measure_all(&root, &systems, &only).await?;
            print!("{}", xtask::lambdas::section(&results));
            Ok(())
        }
        Some("replay") => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            let [table, topic, queue] = args.as_slice() else {
                anyhow::bail!(
                    "usage: cargo run -p xtask -- replay <table> <topic-arn> <on-failure-queue-url>"
                );
            };
            // Credentials and region from the environment, as the AWS CLI takes them.
            let config = lambda::AwsPlatform::config_from_env().await;
            let published = lambda::replay::from_queue(&config, table, topic, queue).await?;
            println!("published {published} events again");
            Ok(())
        }
        _ => anyhow::bail!(
            "usage: cargo run -p xtask -- generate | check | measure-lambdas | replay <table> <topic-arn> <queue-url>"
        ),
    }
}
