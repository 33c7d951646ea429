//! What a database error means for the work that met it.
//!
//! The question every consumer asks is: would the same work succeed later, against the same
//! database? Two answers matter:
//!
//! - **The database's state**: it cannot be reached, is starting or stopping, refuses
//!   connections, is out of disk, memory or connections, is read-only after a failover, timed a
//!   statement out, or lost a serialization race. The work is held and retried with back-off
//!   until the state passes; a message is never dead-lettered for it.
//! - **The work itself**: its data breaks a rule (a value out of range, a check constraint) or the
//!   statement cannot run as written. Retrying against a healthy database fails the same way, so
//!   after a few spaced attempts a message may be dead-lettered.
//!
//! The classes that mean "the work" are named; every other class, including any class a future
//! server adds, means "the state": holding a message costs a delay, dead-lettering one that
//! would have succeeded costs a request (an outage of `ALLOW_CONNECTIONS false`, SQLSTATE 55000,
//! once dead-lettered hundreds of answered requests).

/// What an error says about the work that met it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// A uniqueness rule refused the write.
    Conflict,
    /// The database's state: the same work may succeed later.
    DatabaseState,
    /// The work itself fails: the same work fails again on a healthy database.
    TheWork,
}

/// PostgreSQL: by SQLSTATE (<https://www.postgresql.org/docs/current/errcodes-appendix.html>).
pub fn sqlstate(code: &str) -> Meaning {
    if code == "23505" {
        return Meaning::Conflict;
    }
    // Missing privileges are the database's configuration, not the statement: a grant fixes them.
    if code == "42501" {
        return Meaning::DatabaseState;
    }
    match code.get(..2).unwrap_or_default() {
        // 0A feature not supported, 21 cardinality, 22 data exception, 23 integrity constraint,
        // 26 invalid statement name, 2F SQL routine, 34 invalid cursor name, 38/39 external
        // routine, 3B savepoint, 42 syntax error or access rule, 44 WITH CHECK OPTION,
        // 54 program limit (a statement or a value too large), P0 PL/pgSQL (a trigger's RAISE).
        "0A" | "21" | "22" | "23" | "26" | "2F" | "34" | "38" | "39" | "3B" | "42" | "44" | "54" | "P0" => {
            Meaning::TheWork
        }
        // 08 connection, 25 read-only transaction / idle timeouts, 28 authorization, 3D no such
        // database, 40 serialization failure / deadlock, 53 insufficient resources (disk full,
        // out of memory, too many connections), 55 object not in prerequisite state (55000
        // "not accepting connections", lock not available), 57 operator intervention (shutdown,
        // statement timeout, cancel), 58 system error (I/O), 72 snapshot too old, F0 configuration,
        // XX internal error (corruption), and anything not known here.
        _ => Meaning::DatabaseState,
    }
}

/// SQLite: by the primary result code (the low byte of the extended code sqlx reports:
/// `SQLITE_BUSY_SNAPSHOT` is 517, still "busy"). <https://www.sqlite.org/rescode.html>
pub fn sqlite(extended: i64) -> Meaning {
    const UNIQUE: [i64; 2] = [2067, 1555]; // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
    if UNIQUE.contains(&extended) {
        return Meaning::Conflict;
    }
    match extended & 0xff {
        // SQLITE_ERROR (SQL error or missing database object), SQLITE_TOOBIG, SQLITE_CONSTRAINT,
        // SQLITE_MISMATCH, SQLITE_AUTH (the authorizer refused the statement), SQLITE_RANGE.
        1 | 18 | 19 | 20 | 23 | 25 => Meaning::TheWork,
        // SQLITE_PERM, _ABORT, _BUSY, _LOCKED, _NOMEM, _READONLY, _INTERRUPT, _IOERR, _CORRUPT,
        // _FULL (disk full or max_page_count), _CANTOPEN, _PROTOCOL, _SCHEMA, _NOLFS, _NOTADB...
        _ => Meaning::DatabaseState,
    }
}

/// Errors raised by sqlx itself rather than by the server.
pub fn driver(e: &sqlx::Error) -> Meaning {
    match e {
        sqlx::Error::Database(db) => match db.code() {
            // PostgreSQL reports five-character SQLSTATEs; SQLite its extended result code, a
            // number below 10,000.
            Some(code) if code.len() == 5 => sqlstate(&code),
            Some(code) => code.parse().map_or(Meaning::DatabaseState, sqlite),
            None => Meaning::DatabaseState,
        },
        // The data or the code is at fault: a row that does not decode, a value that does not
        // encode, a missing row or column, an argument the driver refuses.
        sqlx::Error::RowNotFound
        | sqlx::Error::TypeNotFound { .. }
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Encode(_)
        | sqlx::Error::Decode(_)
        | sqlx::Error::InvalidArgument(_)
        | sqlx::Error::InvalidSavePointStatement => Meaning::TheWork,
        // I/O, TLS, protocol, pool timed out or closed, worker crashed, a transaction that could
        // not begin, configuration and migration trouble: the database or the path to it.
        _ => Meaning::DatabaseState,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_of_every_kind_are_the_databases_state() {
        for code in [
            "08006", // connection failure
            "55000", // database is not accepting connections (ALLOW_CONNECTIONS false)
            "53100", // disk full
            "53200", // out of memory
            "53300", // too many connections
            "25006", // read-only transaction, after a failover
            "57014", // statement timeout
            "57P01", // admin shutdown
            "57P03", // cannot connect now (starting up)
            "40001", // serialization failure
            "40P01", // deadlock
            "55P03", // lock not available
            "58030", // I/O error
            "3D000", // no such database
            "28P01", // password rotated
            "42501", // privileges revoked
            "XX001", // data corrupted
            "Z9999", // a class no server sends today
        ] {
            assert_eq!(sqlstate(code), Meaning::DatabaseState, "{code}");
        }
    }

    #[test]
    fn bad_data_and_bad_statements_are_the_works_fault() {
        for code in ["22001", "22021", "22P02", "23502", "23503", "23514", "42601", "42P01", "P0001", "54000"]
        {
            assert_eq!(sqlstate(code), Meaning::TheWork, "{code}");
        }
        assert_eq!(sqlstate("23505"), Meaning::Conflict);
    }

    #[test]
    fn sqlite_codes_are_read_by_their_primary_code() {
        for code in [5, 517, 261, 773, 6, 262, 7, 8, 1032, 10, 266, 13, 14, 11, 17] {
            assert_eq!(sqlite(code), Meaning::DatabaseState, "{code}");
        }
        for code in [1, 19, 275, 787, 1299, 18, 20, 25] {
            assert_eq!(sqlite(code), Meaning::TheWork, "{code}");
        }
        assert_eq!(sqlite(2067), Meaning::Conflict);
        assert_eq!(sqlite(1555), Meaning::Conflict);
    }

    #[test]
    fn the_drivers_own_errors_are_read_too() {
        assert_eq!(driver(&sqlx::Error::PoolTimedOut), Meaning::DatabaseState);
        assert_eq!(driver(&sqlx::Error::BeginFailed), Meaning::DatabaseState);
        assert_eq!(driver(&sqlx::Error::Protocol("eof".into())), Meaning::DatabaseState);
        assert_eq!(driver(&sqlx::Error::RowNotFound), Meaning::TheWork);
        assert_eq!(driver(&sqlx::Error::ColumnNotFound("x".into())), Meaning::TheWork);
    }
}
