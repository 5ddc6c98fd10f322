package embedstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func TestStartFindRestartKeepsData(t *testing.T) {
	ctx := testContext(t)
	dir := t.TempDir()

	srv := mustStart(t, Config{Dir: dir})
	client := mustClient(t, srv.URI())
	coll := client.Database("app").Collection("needs")
	oid := bson.NewObjectID()
	docs := []any{
		bson.D{{Key: "_id", Value: "need-1"}, {Key: "qty", Value: int32(3)}},
		bson.D{{Key: "_id", Value: oid}, {Key: "qty", Value: int32(5)}},
	}
	if _, err := coll.InsertMany(ctx, docs); err != nil {
		t.Fatalf("InsertMany: %v", err)
	}
	assertQty(ctx, t, coll, "need-1", 3)
	assertQty(ctx, t, coll, oid, 5)

	if err := client.Disconnect(ctx); err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	srv = mustStart(t, Config{Dir: dir})
	coll = mustClient(t, srv.URI()).Database("app").Collection("needs")
	assertQty(ctx, t, coll, "need-1", 3)
	assertQty(ctx, t, coll, oid, 5)
}

func TestStartConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(t *testing.T) Config
		wantErr string
	}{
		{name: "missing dir", cfg: func(*testing.T) Config { return Config{} }, wantErr: "Dir is required"},
		{name: "dir is created", cfg: func(t *testing.T) Config { return Config{Dir: filepath.Join(t.TempDir(), "a", "b")} }},
		{name: "explicit addr", cfg: func(t *testing.T) Config { return Config{Dir: t.TempDir(), Addr: "127.0.0.1:0"} }},
		{name: "bad addr", cfg: func(t *testing.T) Config { return Config{Dir: t.TempDir(), Addr: "256.0.0.1:0"} }, wantErr: "listen on"},
		{name: "addr in use", cfg: func(t *testing.T) Config { return Config{Dir: t.TempDir(), Addr: busyAddr(t)} }, wantErr: "listen on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := Start(testContext(t), tt.cfg(t))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Start error = %v, want containing %q", err, tt.wantErr)
				}
				// A leaked FerretDB backend panics in its finalizer.
				runtime.GC()
				runtime.GC()
				return
			}
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			t.Cleanup(func() { _ = srv.Close() })
			if !strings.HasPrefix(srv.URI(), "mongodb://127.0.0.1:") {
				t.Fatalf("URI = %q", srv.URI())
			}
		})
	}
}

func TestEnsureIndexesCoversCollectionsCreatedAfterStart(t *testing.T) {
	ctx := testContext(t)
	dir := t.TempDir()
	srv := mustStart(t, Config{Dir: dir, mirrorInterval: -1}) // no background loop
	db := mustClient(t, srv.URI()).Database("app")

	// One collection created explicitly, one implicitly by an insert.
	if err := db.CreateCollection(ctx, "offers"); err != nil {
		t.Fatalf("CreateCollection: %v", err)
	}
	if _, err := db.Collection("needs").InsertOne(ctx, bson.D{{Key: "_id", Value: "n1"}}); err != nil {
		t.Fatalf("InsertOne: %v", err)
	}
	for _, coll := range []string{"offers", "needs"} {
		if hasMirrorIndex(t, dir, "app", coll) {
			t.Fatalf("%s: mirror index exists before EnsureIndexes; the test cannot tell who made it", coll)
		}
	}

	if err := srv.EnsureIndexes(ctx); err != nil {
		t.Fatalf("EnsureIndexes: %v", err)
	}
	for _, coll := range []string{"offers", "needs"} {
		if !hasMirrorIndex(t, dir, "app", coll) {
			t.Errorf("%s: no mirror index after EnsureIndexes", coll)
		}
	}
	if err := srv.EnsureIndexes(ctx); err != nil { // idempotent
		t.Fatalf("second EnsureIndexes: %v", err)
	}
}

func TestBackgroundLoopIndexesNewCollections(t *testing.T) {
	ctx := testContext(t)
	dir := t.TempDir()
	srv := mustStart(t, Config{Dir: dir, mirrorInterval: 10 * time.Millisecond})
	client := mustClient(t, srv.URI())

	if _, err := client.Database("app").Collection("late").InsertOne(ctx, bson.D{{Key: "x", Value: 1}}); err != nil {
		t.Fatalf("InsertOne: %v", err)
	}
	if err := client.Database("other").CreateCollection(ctx, "later"); err != nil {
		t.Fatalf("CreateCollection: %v", err)
	}
	waitFor(t, 10*time.Second, func() bool {
		return hasMirrorIndex(t, dir, "app", "late") && hasMirrorIndex(t, dir, "other", "later")
	}, "background loop did not create the mirror indexes")

	// A dropped and re-created collection gets a new table, and a new index.
	coll := client.Database("app").Collection("late")
	if err := coll.Drop(ctx); err != nil {
		t.Fatalf("Drop: %v", err)
	}
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "x", Value: 2}}); err != nil {
		t.Fatalf("InsertOne after drop: %v", err)
	}
	waitFor(t, 10*time.Second, func() bool { return hasMirrorIndex(t, dir, "app", "late") },
		"background loop did not index the re-created collection")
}

// TestIDPushdownUsesMirrorIndex checks SQLite's plan for the statements
// FerretDB generates for a filter on _id alone. The find is asked through
// FerretDB's explain, so it is FerretDB's own query text; UPDATE and DELETE
// are copied from its source (see mirror.go), as explain only covers reads.
func TestIDPushdownUsesMirrorIndex(t *testing.T) {
	ctx := testContext(t)
	for _, tc := range []struct {
		name      string
		noMirror  bool
		wantIndex bool
	}{
		{name: "with mirror index", wantIndex: true},
		{name: "without mirror index", noMirror: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			srv := mustStart(t, Config{Dir: dir, NoMirrorIndex: tc.noMirror, mirrorInterval: -1})
			db := mustClient(t, srv.URI()).Database("app")
			oid := bson.NewObjectID()
			if _, err := db.Collection("needs").InsertMany(ctx, []any{
				bson.D{{Key: "_id", Value: "need-1"}}, bson.D{{Key: "_id", Value: oid}},
			}); err != nil {
				t.Fatalf("InsertMany: %v", err)
			}
			if err := srv.EnsureIndexes(ctx); err != nil {
				t.Fatalf("EnsureIndexes: %v", err)
			}
			table := tableName(t, dir, "app", "needs")
			index := mirrorIndexName(table)

			for _, id := range []any{"need-1", oid} {
				// EXPLAIN QUERY PLAN is planned on the connection's cached
				// schema, which does not know the new index until a real
				// statement on that connection sees the changed schema
				// cookie and reloads it (real queries re-plan by
				// themselves). So run the query before explaining it.
				if err := db.Collection("needs").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err(); err != nil {
					t.Fatalf("FindOne: %v", err)
				}
				var res bson.M
				cmd := bson.D{{Key: "explain", Value: bson.D{
					{Key: "find", Value: "needs"},
					{Key: "filter", Value: bson.D{{Key: "_id", Value: id}}},
				}}}
				if err := db.RunCommand(ctx, cmd).Decode(&res); err != nil {
					t.Fatalf("explain: %v", err)
				}
				plan := fmt.Sprint(res["queryPlanner"])
				if got := strings.Contains(plan, "USING INDEX "+index); got != tc.wantIndex {
					t.Errorf("explain find {_id: %v}: uses %s = %v, want %v; plan: %s", id, index, got, tc.wantIndex, plan)
				}
			}

			q := quoteIdent(table)
			for _, stmt := range []string{
				`SELECT  _ferretdb_sjson FROM ` + q + ` WHERE _ferretdb_sjson->'$._id' = ? LIMIT ?`,
				`UPDATE ` + q + ` SET _ferretdb_sjson = ? WHERE _ferretdb_sjson->'$._id' = ?`,
				`DELETE FROM ` + q + ` WHERE _ferretdb_sjson->'$._id' IN (?, ?)`,
			} {
				plan := queryPlan(t, dir, "app", stmt)
				if got := strings.Contains(plan, "USING INDEX "+index); got != tc.wantIndex {
					t.Errorf("%s: uses %s = %v, want %v; plan: %s", stmt, index, got, tc.wantIndex, plan)
				}
			}
		})
	}
}

func TestMirrorIndexIsInvisibleToClients(t *testing.T) {
	ctx := testContext(t)
	srv := mustStart(t, Config{Dir: t.TempDir()})
	coll := mustClient(t, srv.URI()).Database("app").Collection("needs")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "n1"}}); err != nil {
		t.Fatalf("InsertOne: %v", err)
	}
	if err := srv.EnsureIndexes(ctx); err != nil {
		t.Fatalf("EnsureIndexes: %v", err)
	}
	specs, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		t.Fatalf("ListSpecifications: %v", err)
	}
	if len(specs) != 1 || specs[0].Name != "_id_" {
		t.Fatalf("indexes = %+v, want only _id_", specs)
	}
}

// busyAddr returns an address something else already listens on.
func busyAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l.Addr().String()
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustStart(t *testing.T, cfg Config) *Server {
	t.Helper()
	srv, err := Start(testContext(t), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

func mustClient(t *testing.T, uri string) *mongo.Client {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatalf("mongo.Connect: %v", err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client
}

func assertQty(ctx context.Context, t *testing.T, coll *mongo.Collection, id any, want int32) {
	t.Helper()
	var doc struct {
		Qty int32 `bson:"qty"`
	}
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc); err != nil {
		t.Fatalf("FindOne(%v): %v", id, err)
	}
	if doc.Qty != want {
		t.Fatalf("FindOne(%v).qty = %d, want %d", id, doc.Qty, want)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// openDatabaseFile opens FerretDB's file for database name, read-only.
func openDatabaseFile(t *testing.T, dir, name string) *sql.DB {
	t.Helper()
	db, err := openFile(filepath.Join(dir, name+dbFileExt), "ro")
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func tableName(t *testing.T, dir, db, coll string) string {
	t.Helper()
	var table string
	err := openDatabaseFile(t, dir, db).QueryRow(
		`SELECT table_name FROM `+quoteIdent(metadataTable)+` WHERE name = ?`, coll).Scan(&table)
	if err != nil {
		t.Fatalf("table of %s.%s: %v", db, coll, err)
	}
	return table
}

func hasMirrorIndex(t *testing.T, dir, db, coll string) bool {
	t.Helper()
	var table string
	var n int
	err := openDatabaseFile(t, dir, db).QueryRow(`
		SELECT c.table_name, (
			SELECT count(*) FROM sqlite_schema
			WHERE type = 'index' AND tbl_name = c.table_name AND name = ? || c.table_name
			  AND sql LIKE '%' || ? || '%'
		)
		FROM `+quoteIdent(metadataTable)+` AS c WHERE c.name = ?`,
		mirrorIndexPrefix, idExpr, coll).Scan(&table, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return false
	}
	if err != nil {
		t.Fatalf("mirror index of %s.%s: %v", db, coll, err)
	}
	return n == 1
}

// queryPlan returns SQLite's EXPLAIN QUERY PLAN details for stmt, with
// placeholder arguments bound to strings.
func queryPlan(t *testing.T, dir, db, stmt string) string {
	t.Helper()
	args := make([]any, strings.Count(stmt, "?"))
	for i := range args {
		args[i] = `"need-1"`
	}
	rows, err := openDatabaseFile(t, dir, db).Query("EXPLAIN QUERY PLAN "+stmt, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", stmt, err)
	}
	defer rows.Close()
	var details []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatalf("scan plan: %v", err)
		}
		details = append(details, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("plan rows: %v", err)
	}
	return strings.Join(details, "; ")
}
