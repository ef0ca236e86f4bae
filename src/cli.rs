//! The command line: `serve` (the default), `migrate`, and user management.

use std::io::BufRead;
use std::path::PathBuf;

use crate::clock::now_ms;
use crate::credentials;
use crate::domain::ids::QueueId;
use crate::domain::presence::Capacity;
use crate::domain::user::{check_password, Role, Username};
use crate::settings::Settings;
use crate::store::{self, users::NewUser, Db};

pub const USAGE: &str = "\
parley: a live-chat contact-center engine

usage: parley [--config FILE] [COMMAND]

commands:
  serve                      run the engine (the default)
  migrate                    apply database migrations and exit
  backup PATH                copy the SQLite database, while the engine runs, to a new
                             file PATH (VACUUM INTO); with PostgreSQL use pg_dump
  user add USERNAME [--role agent|supervisor|admin] [--name DISPLAY_NAME]
           [--capacity N] [--queue QUEUE_ID[:HUNT_ORDER]]... [--password-stdin]
                             create a user; prints a generated password unless one is
                             read from standard input
  user set-password USERNAME [--password-stdin]
                             set a new password
  help                       show this text

settings: config/default.toml documents every key; override with --config FILE or
CHAT__SECTION__KEY environment variables (e.g. CHAT__SERVER__PORT=9000).";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve,
    Migrate,
    /// Issue 10: an online copy of the SQLite database to a new file.
    Backup(PathBuf),
    AddUser(NewUserArgs),
    SetPassword {
        username: String,
        password_stdin: bool,
    },
    Help,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUserArgs {
    pub username: String,
    pub role: Role,
    pub display_name: Option<String>,
    pub capacity: u32,
    pub queues: Vec<(QueueId, i32)>,
    pub password_stdin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cli {
    pub config: Option<PathBuf>,
    pub command: Command,
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Cli, String> {
    let mut config = None;
    let mut rest = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--config" | "-c" => {
                config = Some(PathBuf::from(iter.next().ok_or("--config needs a file")?))
            }
            "--help" | "-h" => {
                return Ok(Cli {
                    config,
                    command: Command::Help,
                })
            }
            _ => rest.push(arg.clone()),
        }
    }
    let words: Vec<&str> = rest.iter().map(String::as_str).collect();
    let command = match words.as_slice() {
        [] | ["serve"] => Command::Serve,
        ["migrate"] => Command::Migrate,
        ["backup", path] => Command::Backup(PathBuf::from(path)),
        ["help"] => Command::Help,
        ["user", "add", username, options @ ..] => {
            Command::AddUser(parse_new_user(username, options)?)
        }
        ["user", "set-password", username, options @ ..] => Command::SetPassword {
            username: (*username).to_owned(),
            password_stdin: match options {
                [] => false,
                ["--password-stdin"] => true,
                _ => return Err(format!("unexpected arguments: {}", options.join(" "))),
            },
        },
        _ => return Err(format!("unknown command: {}", words.join(" "))),
    };
    Ok(Cli { config, command })
}

fn parse_new_user(username: &str, options: &[&str]) -> Result<NewUserArgs, String> {
    if Username::parse(username).is_err() {
        return Err(format!(
            "{username:?} is not a valid username (letters, digits, . - _ @)"
        ));
    }
    let mut user = NewUserArgs {
        username: username.to_owned(),
        role: Role::Agent,
        display_name: None,
        capacity: Capacity::DEFAULT.get(),
        queues: Vec::new(),
        password_stdin: false,
    };
    let mut iter = options.iter();
    while let Some(option) = iter.next() {
        let mut value = || {
            iter.next()
                .copied()
                .ok_or(format!("{option} needs a value"))
        };
        match *option {
            "--role" => {
                let role = value()?;
                user.role = Role::parse(role).ok_or(format!("unknown role {role:?}"))?;
            }
            "--name" => user.display_name = Some(value()?.to_owned()),
            "--capacity" => {
                let raw = value()?;
                let chats = raw
                    .parse()
                    .map_err(|_| format!("capacity {raw:?} is not a number"))?;
                user.capacity = Capacity::parse(chats).map_err(|e| e.to_string())?.get();
            }
            "--queue" => {
                let raw = value()?;
                let (queue, hunt) = raw.split_once(':').unwrap_or((raw, "1"));
                let queue = queue
                    .parse()
                    .map_err(|_| format!("queue {raw:?} is not QUEUE_ID[:HUNT_ORDER]"))?;
                let hunt = hunt
                    .parse()
                    .map_err(|_| format!("queue {raw:?} is not QUEUE_ID[:HUNT_ORDER]"))?;
                user.queues.push((QueueId(queue), hunt));
            }
            "--password-stdin" => user.password_stdin = true,
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(user)
}

/// A password from standard input (first line) or a generated one, and whether to print it.
fn obtain_password(from_stdin: bool, username: &str) -> Result<(String, bool), String> {
    if !from_stdin {
        return Ok((credentials::new_password(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    check_password(&password, username).map_err(|e| e.to_string())?;
    Ok((password, false))
}

pub fn migrate(settings: &Settings) -> Result<(), String> {
    let db = Db::connect(&settings.database).map_err(|e| e.to_string())?;
    let applied = db.migrate().map_err(|e| e.to_string())?;
    println!("{applied} migration(s) applied");
    Ok(())
}

/// The advice printed for a PostgreSQL store, which `backup` does not copy itself.
pub const POSTGRES_BACKUP_ADVICE: &str = "\
the database is PostgreSQL: back it up with its own tools while the engine runs, e.g.
  pg_dump --format=custom --file=parley.dump \"$DATABASE_URL\"
and restore with pg_restore --clean --dbname=... parley.dump (see deploy/README.md)";

/// Issue 10: copies the SQLite database to `target` with `VACUUM INTO`, a consistent copy
/// taken while the engine runs (other connections go on reading and writing). Refuses to
/// overwrite an existing file.
pub fn backup(settings: &Settings, target: &std::path::Path) -> Result<(), String> {
    use diesel::{Connection, RunQueryDsl, SqliteConnection};
    if store::Backend::of_url(&settings.database.url).map_err(|e| e.to_string())?
        == store::Backend::Postgres
    {
        return Err(POSTGRES_BACKUP_ADVICE.to_owned());
    }
    if target.exists() {
        return Err(format!(
            "{} exists already; backup writes a new file only",
            target.display()
        ));
    }
    let source = store::sqlite_path(&settings.database.url);
    if !std::path::Path::new(source).is_file() {
        return Err(format!("no SQLite database at {source}"));
    }
    let target_text = target
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", target.display()))?;
    let mut conn =
        SqliteConnection::establish(source).map_err(|e| format!("cannot open {source}: {e}"))?;
    diesel::sql_query("PRAGMA busy_timeout = 10000")
        .execute(&mut conn)
        .map_err(|e| e.to_string())?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(target_text)
        .execute(&mut conn)
        .map_err(|e| format!("backup to {} failed: {e}", target.display()))?;
    println!("backed up {source} to {}", target.display());
    Ok(())
}

pub fn add_user(settings: &Settings, args: &NewUserArgs) -> Result<(), String> {
    let (password, print) = obtain_password(args.password_stdin, &args.username)?;
    let hash = credentials::hash_password(&password).map_err(|e| e.to_string())?;
    let db = Db::connect(&settings.database).map_err(|e| e.to_string())?;
    db.migrate().map_err(|e| e.to_string())?;
    let display_name = args
        .display_name
        .clone()
        .unwrap_or_else(|| args.username.clone());
    let id = db
        .run_now(|conn| {
            use diesel::Connection;
            conn.transaction(|conn| {
                let id = store::users::insert(
                    conn,
                    &NewUser {
                        username: &args.username,
                        display_name: &display_name,
                        role: args.role.as_str(),
                        password_hash: &hash,
                        active: true,
                        capacity: args.capacity as i32,
                        presence: "offline",
                        created_at_ms: now_ms(),
                    },
                )?;
                for &(queue, hunt_order) in &args.queues {
                    store::queues::add_member(conn, queue, id, hunt_order)?;
                }
                Ok(id)
            })
        })
        .map_err(|e| format!("cannot create {:?}: {e}", args.username))?;
    println!(
        "created {} {:?} (id {id})",
        args.role.as_str(),
        args.username
    );
    if print {
        println!("password: {password}");
    }
    Ok(())
}

pub fn set_password(settings: &Settings, username: &str, from_stdin: bool) -> Result<(), String> {
    let (password, print) = obtain_password(from_stdin, username)?;
    let hash = credentials::hash_password(&password).map_err(|e| e.to_string())?;
    let db = Db::connect(&settings.database).map_err(|e| e.to_string())?;
    let user = db
        .run_now(|conn| store::users::by_username(conn, username))
        .map_err(|e| e.to_string())?
        .ok_or(format!("no user {username:?}"))?;
    db.run_now(|conn| store::users::set_password_hash(conn, user.user_id(), &hash))
        .map_err(|e| e.to_string())?;
    println!("password of {username:?} changed");
    if print {
        println!("password: {password}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn serve_is_the_default() {
        assert_eq!(parse(&[]).unwrap().command, Command::Serve);
        let cli = parse(&args("--config site.toml")).unwrap();
        assert_eq!(cli.config, Some(PathBuf::from("site.toml")));
        assert_eq!(cli.command, Command::Serve);
    }

    #[test]
    fn backup_names_its_target() {
        let cli = parse(&args("backup /tmp/copy.db")).unwrap();
        assert_eq!(cli.command, Command::Backup(PathBuf::from("/tmp/copy.db")));
    }

    #[test]
    fn user_add_reads_its_options() {
        let cli = parse(&args(
            "user add bob --role supervisor --capacity 5 --queue 2:3 --password-stdin",
        ))
        .unwrap();
        let Command::AddUser(user) = cli.command else {
            panic!("not user add");
        };
        assert_eq!(user.username, "bob");
        assert_eq!(user.role, Role::Supervisor);
        assert_eq!(user.capacity, 5);
        assert_eq!(user.queues, vec![(QueueId(2), 3)]);
        assert!(user.password_stdin);
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(parse(&args("user add bob --role root")).is_err());
        assert!(parse(&args("user add bob --capacity 99")).is_err());
        assert!(parse(&args("user add 'bad name'")).is_err());
        assert!(parse(&args("launch")).is_err());
        assert!(parse(&args("backup")).is_err());
        assert!(parse(&args("backup a b")).is_err());
        assert!(parse(&args("--config")).is_err());
    }
}
