package main

// FerretDB v1's SQLite backend indexes `_id` on the expression `_ferretdb_sjson->"_id"`, but its
// point queries, updates and deletes filter on `_ferretdb_sjson->'$._id'`. SQLite uses an
// expression index only for the very expression it was built on, so every `_id` lookup scans the
// whole table. The indexer below adds the index that those statements use to every collection
// table, as collections appear. It changes no data and no FerretDB metadata: clients do not see the
// extra index, and dropping the collection drops it with the table.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// idExpression is the expression FerretDB v1's SQLite statements filter `_id` on.
const idExpression = `_ferretdb_sjson->'$._id'`

// watched is one database file, open for as long as it exists.
type watched struct {
	db     *sql.DB
	file   os.FileInfo // to notice a database dropped and created again under the same name
	schema int64       // the schema version last brought up to date; -1 before the first pass
}

// idIndexer keeps an index on idExpression on every collection table of the databases in dir.
type idIndexer struct {
	dir    string
	logger *slog.Logger
	dbs    map[string]*watched
}

func newIDIndexer(dir string, logger *slog.Logger) *idIndexer {
	return &idIndexer{dir: dir, logger: logger, dbs: map[string]*watched{}}
}

// run passes over the databases every interval until ctx is done.
func (x *idIndexer) run(ctx context.Context, every time.Duration) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	defer x.closeAll()
	for {
		x.pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// pass brings every database whose schema changed up to date, and forgets dropped ones.
func (x *idIndexer) pass(ctx context.Context) {
	paths, err := filepath.Glob(filepath.Join(x.dir, "*.sqlite"))
	if err != nil {
		x.logger.Warn("listing databases", "error", err)
		return
	}
	present := make(map[string]bool, len(paths))
	for _, path := range paths {
		present[path] = true
		if err := x.check(ctx, path); err != nil && ctx.Err() == nil {
			x.logger.Warn("indexing _id", "database", path, "error", err)
		}
	}
	for path, w := range x.dbs {
		if !present[path] {
			w.db.Close()
			delete(x.dbs, path)
		}
	}
}

// check indexes the tables of one database if its schema changed since the last pass.
func (x *idIndexer) check(ctx context.Context, path string) error {
	w, err := x.open(path)
	if err != nil || w == nil {
		return err
	}
	var version int64
	if err := w.db.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&version); err != nil {
		return err
	}
	if version == w.schema {
		return nil
	}
	tables, err := collectionTables(ctx, w.db)
	if err != nil || tables == nil {
		return err // nil tables: FerretDB has not finished creating the database yet
	}
	for _, table := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s)`, table+"__id_point", table, idExpression)
		if _, err := w.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("table %s: %w", table, err)
		}
	}
	// Creating indexes changed the schema version; read it again so the next pass skips this one.
	return w.db.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&w.schema)
}

// open returns the watched database at path, reopening it when the file was replaced; nil when the
// file is gone.
func (x *idIndexer) open(path string) (*watched, error) {
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if w := x.dbs[path]; w != nil {
		if os.SameFile(w.file, info) {
			return w, nil
		}
		w.db.Close()
		delete(x.dbs, path)
	}
	// mode=rw: never create a database that FerretDB has just dropped.
	db, err := sql.Open("sqlite", "file:"+path+"?mode=rw&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	w := &watched{db: db, file: info, schema: -1}
	x.dbs[path] = w
	return w, nil
}

// collectionTables lists the tables of FerretDB's collections; nil when its metadata table does
// not exist yet.
func collectionTables(ctx context.Context, db *sql.DB) ([]string, error) {
	var exists int
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_ferretdb_collections'`
	if err := db.QueryRowContext(ctx, q).Scan(&exists); err != nil || exists == 0 {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tables := []string{}
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			return nil, err
		}
		tables = append(tables, table)
	}
	return tables, rows.Err()
}

func (x *idIndexer) closeAll() {
	for path, w := range x.dbs {
		w.db.Close()
		delete(x.dbs, path)
	}
}
