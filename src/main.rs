//! The `cemprobe` command line (DESIGN §2): parse arguments, load the config, run, map the
//! outcome to an exit code (0 ok, 1 runtime error, 2 usage or config error).
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use cemprobe::config::{Cidr, Config};
use cemprobe::export::sink::{Sink, StdoutSink, ZstdDirSink};
use cemprobe::pipeline::{run_read, ReadOptions, RecordSet, RunSummary};

/// jemalloc, built with `thp:always` (see `.cargo/config.toml`): huge pages for the flow
/// tables without any `madvise` call of our own.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "cemprobe",
    version,
    about = "Telecom CEM probe: packets to per-flow and per-subscriber quality records"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read pcap/pcapng files (several files are one stream, in order; '-' reads stdin) and
    /// write flow and stats records.
    Read(ReadArgs),
    /// Run the live capture daemon (not implemented yet: see the live-capture issue).
    Run {
        #[arg(long)]
        config: PathBuf,
    },
    /// Run the reference collector (not implemented yet: see the delivery issue).
    Collect {
        #[arg(long)]
        listen: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Validate a config file and print the effective configuration.
    CheckConfig { file: PathBuf },
}

#[derive(clap::Args)]
struct ReadArgs {
    /// Capture files (pcap or pcapng); '-' reads standard input.
    #[arg(required = true, value_name = "PCAP")]
    inputs: Vec<PathBuf>,
    /// Write rotating .ndjson.zst files into DIR instead of NDJSON on stdout.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Record types to write (comma list of flow, stats, dns, http, tls, subscriber, cell).
    #[arg(
        long,
        value_name = "LIST",
        default_value = "flow,stats,dns,http,tls,subscriber,cell"
    )]
    records: String,
    /// Summary interval in seconds: subscriber and cell records per interval, aligned to
    /// multiples of it in packet time (0 = one interval for the whole input).
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    interval: u64,
    /// Worker threads (default: number of cores).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Config file (same format as for `run`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Subscriber-side network (repeatable): the flow's side inside it names the subscriber.
    #[arg(long = "home-net", value_name = "CIDR")]
    home_nets: Vec<Cidr>,
    /// Static subscriber map: CSV `cidr,subscriber[,segment]`, longest prefix wins.
    #[arg(long, value_name = "FILE")]
    subscribers: Option<PathBuf>,
    /// Ship records to a collector (delivery milestone: not implemented yet).
    #[arg(long, value_name = "HOST:PORT")]
    upstream: Option<String>,
    /// Show a progress bar (default on a terminal).
    #[arg(long, overrides_with = "no_progress")]
    progress: bool,
    /// Never show a progress bar.
    #[arg(long = "no-progress")]
    no_progress: bool,
    /// Packets per batch handed to a worker (tuning and tests).
    #[arg(long, value_name = "N", default_value_t = 256, hide = true)]
    batch_size: usize,
}

/// An error with the exit code it maps to.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

fn usage(error: anyhow::Error) -> Failure {
    Failure { code: 2, error }
}

fn runtime(error: anyhow::Error) -> Failure {
    Failure { code: 1, error }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Read(args) => read(args),
        Command::CheckConfig { file } => check_config(&file),
        Command::Run { .. } => Err(usage(anyhow::anyhow!(
            "`cemprobe run` (live capture) is not implemented in this version; use `cemprobe read` on capture files"
        ))),
        Command::Collect { .. } => Err(usage(anyhow::anyhow!(
            "`cemprobe collect` is not implemented in this version"
        ))),
    };
    match result {
        Ok(code) => code,
        Err(f) => {
            eprintln!("cemprobe: error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}

fn load_config(path: Option<&PathBuf>) -> Result<Config, Failure> {
    match path {
        Some(p) => Config::load(p).map_err(|e| usage(e.into())),
        None => Ok(Config::default()),
    }
}

fn check_config(file: &PathBuf) -> Result<ExitCode, Failure> {
    let config = load_config(Some(file))?;
    println!("{config:#?}");
    Ok(ExitCode::SUCCESS)
}

fn read(args: ReadArgs) -> Result<ExitCode, Failure> {
    let config = load_config(args.config.as_ref())?;
    let records =
        RecordSet::parse(&args.records).map_err(|e| usage(anyhow::anyhow!("--records: {e}")))?;
    let mut config = config;
    if let Some(path) = &args.subscribers {
        let map = cemprobe::subscriber::static_map::StaticMap::load(path)
            .map_err(|e| usage(anyhow::anyhow!("--subscribers: {e}")))?;
        config.static_map = Some(std::sync::Arc::new(map));
    }
    if args.upstream.is_some() {
        return Err(usage(anyhow::anyhow!(
            "--upstream: shipping to a collector is not implemented in this version; use --out DIR or stdout"
        )));
    }
    let workers = match args.workers {
        Some(0) => return Err(usage(anyhow::anyhow!("--workers must be at least 1"))),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let opts = ReadOptions {
        inputs: args.inputs,
        workers,
        batch_size: args.batch_size.max(1),
        config,
        home_nets: args.home_nets,
        records,
        progress: !args.no_progress,
        interval_us: args.interval.saturating_mul(1_000_000),
    };
    let mut sink: Box<dyn Sink> = match &args.out {
        Some(dir) => Box::new(
            ZstdDirSink::new(dir, &opts.config.probe_id, opts.config.output.clone())
                .map_err(|e| runtime(e.into()))?,
        ),
        None => Box::new(StdoutSink::new()),
    };
    let summary = run_read(&opts, sink.as_mut())
        .context("writing records")
        .map_err(runtime)?;
    print_summary(&summary);
    for e in &summary.capture_errors {
        eprintln!("cemprobe: error: {e}");
    }
    Ok(if summary.capture_errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Counters on stderr at the end (DESIGN §2).
fn print_summary(s: &RunSummary) {
    let c = &s.counters;
    eprintln!(
        "cemprobe: packets={} bytes={} decoded={} malformed={} ignored={} flows={} flow_records={} evicted={} fragments={} reassembled={}",
        c.packets,
        c.bytes,
        c.decoded,
        c.malformed(),
        c.ignored(),
        c.flows_created,
        c.flow_records,
        c.flows_evicted,
        c.frag.fragments,
        c.frag.reassembled
    );
    for (malformed, label) in [(true, "malformed"), (false, "ignored")] {
        for (reason, n) in c.by_reason(malformed) {
            eprintln!("cemprobe:   {label} {reason}={n}");
        }
    }
    if !c.app.transactions.is_empty() || !c.app.errors.is_empty() {
        let list = |m: &std::collections::BTreeMap<&str, u64>| {
            m.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        eprintln!("cemprobe: app transactions: {}", list(&c.app.transactions));
        for (reason, n) in &c.app.errors {
            eprintln!("cemprobe:   app {reason}={n}");
        }
    }
}
