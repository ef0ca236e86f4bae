//! Runtime options (R35, R36): key/value text pairs an admin changes while the engine runs.

use diesel::prelude::*;

use super::schema::options;
use super::{AnyConnection, StoreResult};
use crate::domain::options::{OptionsChange, RuntimeOptions};

/// The options as stored; defaults for what was never set.
pub fn load(conn: &mut AnyConnection) -> StoreResult<RuntimeOptions> {
    let pairs: Vec<(String, String)> = options::table
        .select((options::key, options::value))
        .load(conn)?;
    Ok(RuntimeOptions::from_stored(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ))
}

/// Applies an admin's change and returns the options now in force. Read and write are one
/// transaction, so two admins' changes to different options both last.
pub fn change(
    conn: &mut AnyConnection,
    change: &OptionsChange,
    at_ms: i64,
) -> StoreResult<RuntimeOptions> {
    conn.transaction(|conn| {
        super::write_first(conn)?;
        let options = load(conn)?.changed_by(change);
        save(conn, options, at_ms)?;
        Ok(options)
    })
}

/// Stores every option, in one transaction.
pub fn save(conn: &mut AnyConnection, values: RuntimeOptions, at_ms: i64) -> StoreResult<()> {
    conn.transaction(|conn| {
        super::write_first(conn)?;
        for (key, value) in values.to_stored() {
            // An update, then an insert if there was nothing to update: the same SQL on both
            // backends, and the transaction keeps a concurrent save from slipping in between.
            let updated = diesel::update(options::table.find(key))
                .set((options::value.eq(&value), options::updated_at_ms.eq(at_ms)))
                .execute(conn)?;
            if updated == 0 {
                diesel::insert_into(options::table)
                    .values((
                        options::key.eq(key),
                        options::value.eq(&value),
                        options::updated_at_ms.eq(at_ms),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
}
