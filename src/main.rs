use std::process::ExitCode;

use parley::cli::{self, Command};
use parley::settings::Settings;
use parley::startup::Application;
use parley::telemetry;

/// glibc serves a large block (argon2's 19 MiB for each login, a big replay page) from the
/// heap instead of a private mapping once a block that size has been freed, and then keeps
/// the memory when it is freed again: an engine that has checked a few passwords stayed
/// 40 MiB larger for good. A fixed threshold turns that adaptation off, so large blocks are
/// mapped and returned to the system when freed (idle engine 37 MiB → 18 MiB).
fn keep_large_blocks_out_of_the_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

fn main() -> ExitCode {
    keep_large_blocks_out_of_the_heap();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = match cli::parse(&args) {
        Ok(cli) => cli,
        Err(problem) => {
            eprintln!("{problem}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("cannot read settings: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log.filter, settings.log.format);
    let outcome = match &cli.command {
        Command::Help => {
            println!("{}", cli::USAGE);
            Ok(())
        }
        Command::Serve => serve(settings),
        Command::Migrate => cli::migrate(&settings),
        Command::Backup(path) => cli::backup(&settings, path),
        Command::AddUser(user) => cli::add_user(&settings, user),
        Command::SetPassword {
            username,
            password_stdin,
        } => cli::set_password(&settings, username, *password_stdin),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("{problem}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    // A panic ends the process; the service manager restarts it from the store.
    parley::recovery::exit_on_panic();
    if settings.cluster.enabled {
        return actix_web::rt::System::new().block_on(parley::cluster::serve(settings));
    }
    actix_web::rt::System::new().block_on(async move {
        let host = settings.server.host.clone();
        let app = Application::build(settings)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(demo) = app.demo_accounts() {
            println!(
                "\nDemo data created: website key \"demo\" (allowed on localhost), queue \"Support\".\n  \
                 agent:      username \"agent\"       password \"{}\"\n  \
                 supervisor: username \"supervisor\"  password \"{}\"\n  \
                 admin:      username \"admin\"       password \"{}\"\n\
                 Try a chat at http://{host}:{port}/ (a visitor and an agent side by side).\n",
                demo.agent_password,
                demo.supervisor_password,
                demo.admin_password,
                port = app.port()
            );
        }
        // Tests and scripts read this line to find the port when they asked for port 0.
        println!("parley listening on http://{host}:{}", app.port());
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}
