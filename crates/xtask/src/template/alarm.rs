//! CloudWatch alarms, all sent to the alarm topic; those on functions also roll back their
//! canary deployments.

use crate::yaml::{Y, int, list, map, r#ref, s};

/// The namespace of the functions' own metrics (`lambda::metrics`).
pub const NAMESPACE: &str = lambda::metrics::NAMESPACE;

pub struct Alarm {
    pub name: Y,
    pub description: String,
    pub namespace: &'static str,
    pub metric: &'static str,
    pub dimensions: Vec<(&'static str, Y)>,
    pub statistic: &'static str,
    pub threshold: i64,
}

impl Alarm {
    /// `metric` summed over a minute, at least `threshold`.
    pub fn sum(
        name: Y,
        description: String,
        namespace: &'static str,
        metric: &'static str,
        dimensions: Vec<(&'static str, Y)>,
        threshold: i64,
    ) -> Self {
        Self {
            name,
            description,
            namespace,
            metric,
            dimensions,
            statistic: "Sum",
            threshold,
        }
    }

    /// The alarm, sent to the nested stack's `AlarmTopicArn`.
    pub fn resource(self) -> Y {
        self.resource_to(r#ref("AlarmTopicArn"))
    }

    pub fn resource_to(self, topic: Y) -> Y {
        let dimensions = self
            .dimensions
            .into_iter()
            .map(|(name, value)| map([("Name", s(name)), ("Value", value)]));
        map([
            ("Type", s("AWS::CloudWatch::Alarm")),
            (
                "Properties",
                map([
                    ("AlarmName", self.name),
                    ("AlarmDescription", s(self.description)),
                    ("Namespace", s(self.namespace)),
                    ("MetricName", s(self.metric)),
                    ("Dimensions", list(dimensions)),
                    ("Statistic", s(self.statistic)),
                    ("Period", int(60)),
                    ("EvaluationPeriods", int(1)),
                    ("Threshold", int(self.threshold)),
                    ("ComparisonOperator", s("GreaterThanOrEqualToThreshold")),
                    ("TreatMissingData", s("notBreaching")),
                    ("AlarmActions", list([topic])),
                ]),
            ),
        ])
    }
}
