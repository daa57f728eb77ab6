//! The instances as the bench reaches them over HTTP: GraphQL requests (`POST /graphql`) and
//! the samples of `/metrics`.

use anyhow::{Context, bail};
use serde_json::{Value, json};

pub(crate) struct Api {
    pub(crate) http: reqwest::Client,
    pub(crate) urls: Vec<String>,
}

impl Api {
    pub(crate) async fn gql(
        &self,
        instance: usize,
        token: &str,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        let url = format!("{}/graphql", self.urls[instance]);
        let resp = self
            .http
            .post(&url)
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .with_context(|| format!("POST {url}"))?;
        let status = resp.status();
        let body: Value = resp.json().await.with_context(|| format!("POST {url}: the body is not JSON ({status})"))?;
        if let Some(errors) = body.get("errors") {
            bail!("POST {url} answered errors ({status}): {errors}");
        }
        Ok(body["data"].clone())
    }

    /// Every `name…` sample of the instance's `/metrics` whose line contains `filter`, summed.
    pub(crate) async fn metric(&self, instance: usize, name: &str, filter: &str) -> anyhow::Result<f64> {
        let url = format!("{}/metrics", self.urls[instance]);
        let text = self.http.get(&url).send().await.with_context(|| format!("GET {url}"))?.text().await?;
        let mut sum = 0.0;
        for line in text.lines().filter(|l| l.starts_with(name) && l.contains(filter)) {
            let (series, value) = line.rsplit_once(' ').with_context(|| format!("{url}: unreadable line {line}"))?;
            // `name{…}` or `name`, not `name_more`.
            let rest = &series[name.len()..];
            if rest.is_empty() || rest.starts_with('{') {
                sum += value.parse::<f64>().with_context(|| format!("{url}: unreadable value in {line}"))?;
            }
        }
        Ok(sum)
    }
}
