//! Command-line flags.

use crate::auth::{DEFAULT_DOMAIN, DEFAULT_TENANT_ID};
use crate::throttle::TenantSize;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Debug, Default)]
pub struct FaultConfig {
    pub seed: u64,
    pub latency_ms: u64,
    pub error_rate: f64,
    pub reset_rate: f64,
    pub truncate_rate: f64,
    pub slow_rate: f64,
    pub slow_ms: u64,
    /// Retry-After of a 429 or 503/504 fault, in seconds of the simulated
    /// clock (`--throttle-speed` runs it fast).
    pub retry_after: f64,
    /// Fraction of `$batch` sub-requests answered with a fault (429, 500,
    /// 502, 503, 504) instead of being run.
    pub batch_fault_rate: f64,
    /// Fraction of answers whose JSON body is cut in half, with a
    /// `Content-Length` that matches the cut body (the HTTP framing is
    /// complete, the JSON is not).
    pub truncate_json_rate: f64,
    /// How `Retry-After` is written on 429 and 503/504 answers.
    pub retry_after_form: RetryAfterForm,
    /// Fraction of requests answered 429 `TooManyRequests` (with
    /// `Retry-After`) before they are processed: a throttling storm that
    /// does not depend on the quota.
    pub throttle_fault_rate: f64,
    /// `--throttle-speed`: how fast the simulated clock runs, which
    /// `Retry-After` values are counted on.
    pub clock_speed: f64,
}

impl FaultConfig {
    /// Real seconds for `secs` seconds of the simulated clock.
    pub fn simulated(&self, secs: f64) -> f64 {
        if self.clock_speed.is_finite() && self.clock_speed > 0.0 {
            secs / self.clock_speed
        } else {
            secs
        }
    }
}

/// The form of a `Retry-After` header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RetryAfterForm {
    /// Whole seconds, rounded up (`2`), as the service writes them today
    /// (Microsoft's throttling page shows `Retry-After: 10`). Seconds of
    /// the simulated clock: with `--throttle-speed S`, `n / S` real seconds.
    #[default]
    Seconds,
    /// Seconds with up to three decimals (`2.128`, as in an older example
    /// of Microsoft's): the exact wait, however short.
    Fractional,
    /// An HTTP date (`Fri, 27 Nov 2026 20:00:02 GMT`), rounded up to the second.
    HttpDate,
    /// No `Retry-After` header at all.
    Missing,
    /// A value no parser accepts (`soon`).
    Malformed,
}

impl RetryAfterForm {
    pub fn parse(s: &str) -> Option<RetryAfterForm> {
        Some(match s {
            "seconds" => RetryAfterForm::Seconds,
            "fractional" => RetryAfterForm::Fractional,
            "http-date" => RetryAfterForm::HttpDate,
            "missing" => RetryAfterForm::Missing,
            "malformed" => RetryAfterForm::Malformed,
            _ => return None,
        })
    }

    /// The header value for a wait of `secs` real seconds on a simulated
    /// clock running `speed` times fast, or `None` for no header.
    pub fn header(self, secs: f64, speed: f64) -> Option<String> {
        let secs = if secs.is_finite() && secs > 0.0 { secs } else { 0.0 };
        let speed = if speed.is_finite() && speed > 0.0 { speed } else { 1.0 };
        match self {
            RetryAfterForm::Seconds => {
                // Whole seconds of the simulated clock, at least one.
                let whole = (secs * speed - 1e-9).ceil().max(1.0);
                if speed == 1.0 {
                    Some(format!("{}", whole as u64))
                } else {
                    Some(crate::util::fmt_seconds(whole / speed))
                }
            }
            RetryAfterForm::Fractional => Some(crate::util::fmt_seconds(secs)),
            RetryAfterForm::HttpDate => {
                let at = std::time::SystemTime::now() + std::time::Duration::from_secs(secs.ceil().max(1.0) as u64 + 1);
                Some(httpdate::fmt_http_date(at))
            }
            RetryAfterForm::Missing => None,
            RetryAfterForm::Malformed => Some("soon".to_string()),
        }
    }
}

/// How a `PATCH` of `writebackConfiguration` is checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WritebackValidation {
    /// As the service is known to behave: any string type and `isEnabled`
    /// true, false or null are stored as sent (a type is never cleared by
    /// null); only schema errors are refused.
    #[default]
    Store,
    /// Also refuse what the project's writeback rules refuse (a synced,
    /// distribution or mail-enabled security group, a type the kind does
    /// not allow or that is not documented, a null `isEnabled`, a reset of
    /// the type), with 400 `Request_BadRequest`. graph-sim's own
    /// assumption: nothing public shows the service refusing these.
    Strict,
}

impl WritebackValidation {
    pub fn parse(s: &str) -> Option<WritebackValidation> {
        match s {
            "store" => Some(WritebackValidation::Store),
            "strict" => Some(WritebackValidation::Strict),
            _ => None,
        }
    }
}

/// How `GET /groups` cuts its pages (`--page-shape`). The service has been
/// seen returning fewer groups than `$top` on a page, and pages with none,
/// with an `@odata.nextLink` all the same; Microsoft's paging page
/// (https://learn.microsoft.com/en-us/graph/paging) only says to follow
/// `@odata.nextLink` until it is absent. `full` (the default) always
/// fills pages; the other shapes are for tests of that path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PageShape {
    #[default]
    Full,
    /// Pages of an eighth, a quarter or three eighths of `$top` in turn
    /// (at least one): 12, 25, 37 of the default 100.
    Short,
    /// As `short`, and every third page (the second, fifth, ...) empty with
    /// a nextLink; the last groups come with a nextLink to an empty last page.
    WithEmpty,
}

impl PageShape {
    pub fn parse(s: &str) -> Option<PageShape> {
        match s {
            "full" => Some(PageShape::Full),
            "short" => Some(PageShape::Short),
            "with-empty" => Some(PageShape::WithEmpty),
            _ => None,
        }
    }

    /// The groups page `page` (0 for the first) holds at most.
    pub fn limit(self, top: usize, page: u32) -> usize {
        let short = (top * (page as usize % 3 + 1) / 8).max(1);
        match self {
            PageShape::Full => top,
            PageShape::Short => short,
            PageShape::WithEmpty if page % 3 == 1 => 0,
            PageShape::WithEmpty => short,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    /// Groups to generate; `None` means 1000 without a tenant file and 0
    /// with one.
    pub groups: Option<u64>,
    pub seed: u64,
    pub tenant_file: Option<PathBuf>,
    pub save_file: Option<PathBuf>,
    pub tenant_id: String,
    pub domain: String,
    pub token_lifetime: u64,
    pub static_token: Option<String>,
    pub device_interval: u64,
    pub device_expiry: u64,
    pub auto_approve_after: Option<f64>,
    /// `--authorize-fault`: how the simulated user's browser sign-in at
    /// `/authorize` goes wrong (deny, hang, state, challenge).
    pub authorize_fault: Option<String>,
    pub throttle: bool,
    pub throttle_scale: f64,
    pub throttle_speed: f64,
    pub tenant_size: TenantSize,
    pub faults: FaultConfig,
    pub shuffle_batch: bool,
    pub exit_on_stdin_eof: bool,
    pub quiet: bool,
    /// `--page-shape full|short|with-empty` (default full).
    pub page_shape: PageShape,
    /// `--writeback-validation store|strict` (default store).
    pub writeback_validation: WritebackValidation,
    /// `--tls-cert`/`--tls-key`: serve https with this PEM certificate
    /// (chain) and private key; the base URL is then `https://`.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// `--identity-header`: the App Service identity endpoint's
    /// `X-IDENTITY-HEADER` value (the platform's `IDENTITY_HEADER`).
    pub identity_header: String,
    /// `--federated-credential`: federated identity credentials of the
    /// default app.
    pub federated: Vec<crate::auth::FederatedCredential>,
    /// `--arc-key-dir`: serve `/metadata/identity/oauth2/token` as an Azure
    /// Arc-enabled server's agent, writing challenge key files here.
    pub arc_key_dir: Option<PathBuf>,
    /// `--imds-gone N`: the instance metadata service answers its first N
    /// token requests 410, as while it is being updated.
    pub imds_gone: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            groups: None,
            seed: 1,
            tenant_file: None,
            save_file: None,
            tenant_id: DEFAULT_TENANT_ID.to_string(),
            domain: DEFAULT_DOMAIN.to_string(),
            token_lifetime: 3599,
            static_token: None,
            device_interval: 5,
            device_expiry: 900,
            auto_approve_after: None,
            authorize_fault: None,
            throttle: true,
            throttle_scale: 1.0,
            throttle_speed: 1.0,
            tenant_size: TenantSize::L,
            faults: FaultConfig { slow_ms: 2000, retry_after: 1.0, ..FaultConfig::default() },
            shuffle_batch: true,
            exit_on_stdin_eof: false,
            quiet: false,
            page_shape: PageShape::Full,
            writeback_validation: WritebackValidation::Store,
            tls_cert: None,
            tls_key: None,
            identity_header: crate::identity::DEFAULT_IDENTITY_HEADER.to_string(),
            federated: Vec::new(),
            arc_key_dir: None,
            imds_gone: 0,
        }
    }
}

pub const USAGE: &str = "\
graph-sim: a simulated Microsoft Entra ID tenant speaking Microsoft Graph beta.

usage: graph-sim [flags]
       graph-sim URL         act as a browser: GET URL, follow redirects (tests of
                             the browser sign-in name this program as the browser)
  --listen ADDR              address to listen on (default 127.0.0.1:0)
  --groups N                 groups to generate (default 1000; 0 with --tenant)
  --seed S                   seed of the generated tenant (default 1)
  --tenant FILE              load groups and apps from a tenant file
  --save FILE                write the tenant file on exit
  --tenant-id GUID           tenant id (default 5d0c5a8e-6a3b-4f2e-9c71-2b8f4e1d7a30)
  --domain NAME              tenant domain (default graphsim.onmicrosoft.com)
  --token-lifetime SECS      lifetime of issued tokens (default 3599)
  --static-token TOKEN       also accept this bearer token (read-write)
  --device-code-interval S   polling interval of the device code flow (default 5)
  --device-code-expiry S     lifetime of a device code (default 900)
  --auto-approve-after S     approve device codes S seconds after issue
  --authorize-fault KIND     the browser sign-in (/authorize) goes wrong: deny (the
                             user declines), hang (never redirects), state (the
                             redirect's state is altered), challenge (the code is
                             bound to another code_challenge)
  --throttle on|off          throttling (default on)
  --throttle-scale F         shrink quotas and windows by F (default 1)
  --throttle-speed S         run the throttling clock S times fast: every
                             rate times S, every Retry-After divided by S
                             (default 1; 25: 500 writes/s)
  --tenant-size S|M|L        resource-unit quota 3500/5000/8000 per 10 s (default L)
  --fault-seed S             seed of the fault plan (default 0)
  --latency-ms N             answer every request N ms after it arrived
                             (a GET's own work included; others wait first)
  --error-rate P             answer a fraction P with 500/502/503/504
  --reset-rate P             close the connection without an answer
  --truncate-rate P          cut the body of a fraction P in half
  --slow-rate P              delay a fraction P by --slow-ms
  --slow-ms N                delay of a slow answer (default 2000)
  --fault-retry-after SECS   Retry-After of a 429 or 503/504 fault, in seconds
                             of the simulated clock (default 1)
  --retry-after-form F       seconds|fractional|http-date|missing|malformed:
                             Retry-After on 429 and 503/504 (default seconds:
                             whole seconds as the service writes them, of the
                             simulated clock that --throttle-speed speeds up)
  --batch-fault-rate P       answer a fraction P of $batch sub-requests with
                             429/500/502/503/504, without running them
  --fault-429-rate P         answer a fraction P with 429 before processing
  --truncate-json-rate P     cut the JSON body of a fraction P in half (framing intact)
  --batch-order shuffled|as-sent   order of $batch responses (default shuffled)
  --exit-on-stdin-eof        stop (and save) when stdin closes
  --page-shape S             full|short|with-empty: GET /groups pages hold
                             $top groups (default full), fewer, or some none
                             (each with a nextLink), as the service can
  --writeback-validation M   store|strict: a writeback PATCH is stored as sent
                             (default store, as the service is known to do),
                             or strict: also refused where the project's rules
                             refuse it (an assumption, see README)
  --tls-cert FILE            serve https with this PEM certificate (chain);
                             needs --tls-key; the base URL is https://
  --tls-key FILE             the certificate's PEM private key (PKCS#8,
                             RSA or EC)
  --identity-header V        X-IDENTITY-HEADER the App Service managed identity
                             endpoint (GET /msi/token) accepts (default
                             graph-sim-identity-header-5f3a)
  --federated-credential C   ISSUER|SUBJECT[|AUDIENCE]: a federated identity
                             credential of the default app (audience default
                             api://AzureADTokenExchange); repeatable
  --arc-key-dir DIR          answer /metadata/identity/oauth2/token as an Azure
                             Arc-enabled server's agent (himds): a 401
                             challenge naming a key file written into DIR,
                             then the token for Authorization: Basic <key>
  --imds-gone N              the instance metadata service answers its first
                             N token requests 410, as while it is updated
  --quiet                    no summary on stderr
  --help                     this text
";

fn parse_num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse::<T>().map_err(|_| format!("{}: '{}' is not a valid value", flag, v))
}

fn parse_rate(flag: &str, v: &str) -> Result<f64, String> {
    let p: f64 = parse_num(flag, v)?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("{}: {} is not between 0 and 1", flag, p))
    }
}

impl Config {
    /// Parses flags; `Ok(None)` for `--help`.
    pub fn from_args<I: IntoIterator<Item = String>>(args: I) -> Result<Option<Config>, String> {
        let mut c = Config::default();
        let mut it = args.into_iter();
        while let Some(arg) = it.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let value = |it: &mut I::IntoIter| -> Result<String, String> {
                match inline.clone() {
                    Some(v) => Ok(v),
                    None => it.next().ok_or_else(|| format!("{} needs a value", flag)),
                }
            };
            match flag.as_str() {
                "--help" | "-h" => return Ok(None),
                "--listen" => c.listen = parse_num(&flag, &value(&mut it)?)?,
                "--groups" => c.groups = Some(parse_num(&flag, &value(&mut it)?)?),
                "--seed" => c.seed = parse_num(&flag, &value(&mut it)?)?,
                "--tenant" => c.tenant_file = Some(PathBuf::from(value(&mut it)?)),
                "--save" => c.save_file = Some(PathBuf::from(value(&mut it)?)),
                "--tenant-id" => {
                    let v = value(&mut it)?;
                    if crate::util::parse_guid(&v).is_none() {
                        return Err(format!("--tenant-id: '{}' is not a GUID", v));
                    }
                    c.tenant_id = v.to_ascii_lowercase();
                }
                "--domain" => c.domain = value(&mut it)?,
                "--token-lifetime" => c.token_lifetime = parse_num(&flag, &value(&mut it)?)?,
                "--static-token" => c.static_token = Some(value(&mut it)?),
                "--device-code-interval" => c.device_interval = parse_num(&flag, &value(&mut it)?)?,
                "--device-code-expiry" => c.device_expiry = parse_num(&flag, &value(&mut it)?)?,
                "--auto-approve-after" => c.auto_approve_after = Some(parse_num(&flag, &value(&mut it)?)?),
                "--authorize-fault" => {
                    let v = value(&mut it)?;
                    if !["deny", "hang", "state", "challenge"].contains(&v.as_str()) {
                        return Err(format!("--authorize-fault: '{}' is not deny, hang, state or challenge", v));
                    }
                    c.authorize_fault = Some(v);
                }
                "--throttle" => {
                    c.throttle = match value(&mut it)?.as_str() {
                        "on" => true,
                        "off" => false,
                        other => return Err(format!("--throttle: '{}' is not on or off", other)),
                    }
                }
                "--throttle-scale" => {
                    let f: f64 = parse_num(&flag, &value(&mut it)?)?;
                    if !(f > 0.0 && f.is_finite()) {
                        return Err("--throttle-scale must be a positive number".into());
                    }
                    c.throttle_scale = f;
                }
                "--throttle-speed" => {
                    let f: f64 = parse_num(&flag, &value(&mut it)?)?;
                    if !(f > 0.0 && f.is_finite()) {
                        return Err("--throttle-speed must be a positive number".into());
                    }
                    c.throttle_speed = f;
                }
                "--tenant-size" => {
                    let v = value(&mut it)?;
                    c.tenant_size = TenantSize::parse(&v).ok_or_else(|| format!("--tenant-size: '{}' is not S, M or L", v))?;
                }
                "--fault-seed" => c.faults.seed = parse_num(&flag, &value(&mut it)?)?,
                "--latency-ms" => c.faults.latency_ms = parse_num(&flag, &value(&mut it)?)?,
                "--error-rate" => c.faults.error_rate = parse_rate(&flag, &value(&mut it)?)?,
                "--reset-rate" => c.faults.reset_rate = parse_rate(&flag, &value(&mut it)?)?,
                "--truncate-rate" => c.faults.truncate_rate = parse_rate(&flag, &value(&mut it)?)?,
                "--slow-rate" => c.faults.slow_rate = parse_rate(&flag, &value(&mut it)?)?,
                "--fault-retry-after" => c.faults.retry_after = parse_num(&flag, &value(&mut it)?)?,
                "--batch-fault-rate" => c.faults.batch_fault_rate = parse_rate(&flag, &value(&mut it)?)?,
                "--fault-429-rate" => c.faults.throttle_fault_rate = parse_rate(&flag, &value(&mut it)?)?,
                "--truncate-json-rate" => c.faults.truncate_json_rate = parse_rate(&flag, &value(&mut it)?)?,
                "--retry-after-form" => {
                    let v = value(&mut it)?;
                    c.faults.retry_after_form = RetryAfterForm::parse(&v).ok_or_else(|| {
                        format!("--retry-after-form: '{}' is not seconds, fractional, http-date, missing or malformed", v)
                    })?;
                }
                "--slow-ms" => c.faults.slow_ms = parse_num(&flag, &value(&mut it)?)?,
                "--batch-order" => {
                    c.shuffle_batch = match value(&mut it)?.as_str() {
                        "shuffled" => true,
                        "as-sent" => false,
                        other => return Err(format!("--batch-order: '{}' is not shuffled or as-sent", other)),
                    }
                }
                "--exit-on-stdin-eof" => c.exit_on_stdin_eof = true,
                "--page-shape" => {
                    let v = value(&mut it)?;
                    c.page_shape =
                        PageShape::parse(&v).ok_or_else(|| format!("--page-shape: '{}' is not full, short or with-empty", v))?;
                }
                "--writeback-validation" => {
                    let v = value(&mut it)?;
                    c.writeback_validation = WritebackValidation::parse(&v)
                        .ok_or_else(|| format!("--writeback-validation: '{}' is not store or strict", v))?;
                }
                "--quiet" => c.quiet = true,
                "--imds-gone" => c.imds_gone = parse_num(&flag, &value(&mut it)?)?,
                "--arc-key-dir" => c.arc_key_dir = Some(PathBuf::from(value(&mut it)?)),
                "--identity-header" => {
                    let v = value(&mut it)?;
                    if v.is_empty() || v.chars().any(|ch| ch.is_control()) {
                        return Err("--identity-header must be a non-empty header value".into());
                    }
                    c.identity_header = v;
                }
                "--federated-credential" => {
                    let v = value(&mut it)?;
                    c.federated.push(crate::auth::FederatedCredential::parse(&v).map_err(|e| format!("--federated-credential: {}", e))?);
                }
                "--tls-cert" => c.tls_cert = Some(PathBuf::from(value(&mut it)?)),
                "--tls-key" => c.tls_key = Some(PathBuf::from(value(&mut it)?)),
                other => return Err(format!("unknown flag '{}'", other)),
            }
        }
        Ok(Some(c))
    }
}
