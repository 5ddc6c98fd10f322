package embedstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// What FerretDB v1.24's SQLite backend (internal/backends/sqlite) puts on
// disk and sends to SQLite, which the mirror index has to match exactly:
//
//   - one SQLite file per database, <Dir>/<db>.sqlite, in WAL mode with
//     busy_timeout(10000);
//   - a table _ferretdb_collections(name, table_name, settings) mapping
//     collection names to table names;
//   - per collection a table with one column, _ferretdb_sjson, and a unique
//     index on _ferretdb_sjson->"_id", which SQLite never matches against
//     the queries below;
//   - for a filter that is exactly {_id: <string or ObjectID>} (and for every
//     UpdateOne/DeleteOne, which rewrite by _id):
//     SELECT  _ferretdb_sjson FROM "<table>" WHERE _ferretdb_sjson->'$._id' = ? [LIMIT ?]
//     UPDATE "<table>" SET _ferretdb_sjson = ? WHERE _ferretdb_sjson->'$._id' = ?
//     DELETE FROM "<table>" WHERE _ferretdb_sjson->'$._id' IN (?, ...)
//
// SQLite uses an index on an expression only when the query contains the
// very same expression, hence an index on idExpr as written above.
const (
	idExpr            = `_ferretdb_sjson->'$._id'`
	metadataTable     = "_ferretdb_collections"
	dbFileExt         = ".sqlite"
	mirrorIndexPrefix = "aidflow_id_mirror_"
	// busyTimeout is FerretDB's own default, so both sides wait alike.
	busyTimeout = "busy_timeout(10000)"
	// busyRetries covers SQLITE_BUSY answers the busy handler does not wait
	// for (SQLite returns some at once to avoid deadlocks).
	busyRetries = 5
)

// mirrorIndexName is the name of the mirror index on a collection table.
// FerretDB names its own indexes <table>_<mongo index name>, so a prefix
// keeps ours apart; FerretDB never reads sqlite_schema, so the extra index
// is invisible to clients (listIndexes reads FerretDB's metadata).
func mirrorIndexName(table string) string {
	return mirrorIndexPrefix + table
}

// fileSig is what changes when FerretDB writes to a database file. Every
// collection creation writes, so an unchanged signature means no new
// table since the last scan (up to timestamp granularity, which the
// periodic full scan covers).
type fileSig struct {
	dbMod, walMod   time.Time
	dbSize, walSize int64
}

// mirrorIndexer adds the mirror index to every collection table of every
// database file in dir.
type mirrorIndexer struct {
	dir string
	log *slog.Logger

	mu   sync.Mutex // one scan at a time
	seen map[string]fileSig
}

func newMirrorIndexer(dir string, log *slog.Logger) *mirrorIndexer {
	return &mirrorIndexer{dir: dir, log: log, seen: map[string]fileSig{}}
}

// loop scans every interval until ctx ends; every fullEvery-th scan
// re-checks all files regardless of their signature.
func (m *mirrorIndexer) loop(ctx context.Context, interval time.Duration, fullEvery int) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := m.ensure(ctx, n%fullEvery == 0); err != nil && ctx.Err() == nil {
			m.log.Warn("mirror index scan failed", "err", err)
		}
	}
}

// ensure creates missing mirror indexes. With full false it skips files
// whose signature is unchanged since their last successful scan.
func (m *mirrorIndexer) ensure(ctx context.Context, full bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()

	entries, err := os.ReadDir(m.dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", m.dir, err)
	}
	present := make(map[string]bool, len(entries))
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), dbFileExt) {
			continue
		}
		path := filepath.Join(m.dir, e.Name())
		present[path] = true
		sig, err := statSig(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // database dropped since ReadDir
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !full && m.seen[path] == sig {
			continue
		}
		created, err := ensureFile(ctx, path)
		if err != nil {
			if _, statErr := os.Stat(path); errors.Is(statErr, fs.ErrNotExist) {
				continue // database dropped during the scan
			}
			errs = append(errs, fmt.Errorf("%s: %w", e.Name(), err))
			continue
		}
		for _, table := range created {
			m.log.Debug("mirror index created", "file", e.Name(), "table", table)
		}
		m.seen[path] = sig
	}
	for path := range m.seen {
		if !present[path] {
			delete(m.seen, path)
		}
	}
	return errors.Join(errs...)
}

func statSig(dbPath string) (fileSig, error) {
	var sig fileSig
	fi, err := os.Stat(dbPath)
	if err != nil {
		return sig, err
	}
	sig.dbMod, sig.dbSize = fi.ModTime(), fi.Size()
	fi, err = os.Stat(dbPath + "-wal")
	switch {
	case err == nil:
		sig.walMod, sig.walSize = fi.ModTime(), fi.Size()
	case !errors.Is(err, fs.ErrNotExist):
		return sig, err
	}
	return sig, nil
}

// ensureFile creates the mirror index on every collection table of one
// database file that lacks it and returns the tables it indexed.
//
// It opens its own short-lived connection through the same SQLite library
// FerretDB links (one copy per binary, so POSIX locks are shared
// correctly), never creates a file (mode=rw) and writes nothing but
// CREATE INDEX IF NOT EXISTS, each statement its own transaction.
func ensureFile(ctx context.Context, path string) ([]string, error) {
	db, err := openFile(path, "rw")
	if err != nil {
		return nil, err
	}
	defer db.Close()

	tables, err := tablesWithoutMirror(ctx, db)
	if err != nil {
		return nil, err
	}
	var created []string
	for _, table := range tables {
		q := fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON %s (%s)",
			quoteIdent(mirrorIndexName(table)), quoteIdent(table), idExpr)
		err := retryBusy(ctx, func() error {
			_, err := db.ExecContext(ctx, q)
			return err
		})
		if err != nil {
			if strings.Contains(err.Error(), "no such table") {
				continue // collection dropped since tablesWithoutMirror
			}
			return created, fmt.Errorf("create mirror index on %s: %w", table, err)
		}
		created = append(created, table)
	}
	return created, nil
}

// openFile opens an existing FerretDB database file with FerretDB's busy
// timeout. mode is a SQLite URI mode: "rw" or "ro".
func openFile(path, mode string) (*sql.DB, error) {
	q := url.Values{}
	q.Set("mode", mode)
	q.Add("_pragma", busyTimeout)
	u := url.URL{Scheme: "file", Opaque: path, RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// tablesWithoutMirror lists collection tables that exist and lack the
// mirror index.
func tablesWithoutMirror(ctx context.Context, db *sql.DB) ([]string, error) {
	var tables []string
	err := retryBusy(ctx, func() error {
		tables = tables[:0]
		var n int
		err := db.QueryRowContext(ctx,
			`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, metadataTable).Scan(&n)
		if err != nil || n == 0 {
			return err // a database FerretDB is still creating has no metadata table yet
		}
		rows, err := db.QueryContext(ctx, `
			SELECT c.table_name
			FROM `+quoteIdent(metadataTable)+` AS c
			JOIN sqlite_schema AS t ON t.type = 'table' AND t.name = c.table_name
			WHERE NOT EXISTS (
				SELECT 1 FROM sqlite_schema AS i
				WHERE i.type = 'index' AND i.tbl_name = c.table_name AND i.name = ? || c.table_name
			)
			ORDER BY c.table_name`, mirrorIndexPrefix)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				return err
			}
			tables = append(tables, t)
		}
		return rows.Err()
	})
	return tables, err
}

// retryBusy retries f while SQLite answers busy or locked.
func retryBusy(ctx context.Context, f func() error) error {
	backoff := 20 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil || attempt == busyRetries || !isBusy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(backoff):
		}
		backoff *= 2
	}
}

func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff { // extended codes are on: keep the primary code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
