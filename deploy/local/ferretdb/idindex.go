package main

// FerretDB v1's SQLite backend indexes `_id` on the expression `_ferretdb_sjson->"_id"`, but its
// point queries, updates and deletes filter on `_ferretdb_sjson->'$._id'`. SQLite uses an
// expression index only for the very expression it was built on, so every `_id` lookup scans the
// whole table. The indexer below adds the index that those statements use to every collection
// table, as collections appear. It changes no data and no FerretDB metadata: clients do not see the
// extra index, and dropping the collection drops it with the table.
//
// A pass costs next to nothing when nothing changed: the folder is listed again only when its
// modification time moved, and a database's schema is read only when its file or its write-ahead
// log changed (a new table is a write), or every fullEvery passes in case a change left both
// stamps as they were. A data folder of a few hundred databases took a quarter of the store's CPU
// before.

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

// fullEvery is how many passes at most go by before every database's schema is read again.
const fullEvery = 25

// watched is one database file, open for as long as it exists.
type watched struct {
	db     *sql.DB
	file   os.FileInfo // to notice a database dropped and created again under the same name
	schema int64       // the schema version last brought up to date; -1 before the first pass
	seen   stamp       // the files as they were before the last check
}

// stamp is what a write changes: the size and modification time of a database and of its log.
type stamp struct {
	size, walSize int64
	mod, walMod   time.Time
}

// idIndexer keeps an index on idExpression on every collection table of the databases in dir.
type idIndexer struct {
	dir    string
	logger *slog.Logger
	dbs    map[string]*watched
	listed time.Time // the folder's modification time when paths was read
	paths  []string
	passes int
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
	paths, err := x.list()
	if err != nil {
		x.logger.Warn("listing databases", "error", err)
		return
	}
	x.passes++
	full := x.passes%fullEvery == 0
	present := make(map[string]bool, len(paths))
	for _, path := range paths {
		present[path] = true
		if err := x.check(ctx, path, full); err != nil && ctx.Err() == nil {
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

// list returns the databases in dir, read again only when the folder changed.
func (x *idIndexer) list() ([]string, error) {
	info, err := os.Stat(x.dir)
	if err != nil {
		return nil, err
	}
	if x.paths != nil && info.ModTime().Equal(x.listed) {
		return x.paths, nil
	}
	paths, err := filepath.Glob(filepath.Join(x.dir, "*.sqlite"))
	if err != nil {
		return nil, err
	}
	x.paths, x.listed = paths, info.ModTime()
	return paths, nil
}

// check indexes the tables of one database if its schema changed since the last pass; unless
// full, it reads the schema only when the database or its log was written since.
func (x *idIndexer) check(ctx context.Context, path string, full bool) error {
	w, info, err := x.open(path)
	if err != nil || w == nil {
		return err
	}
	now := stampOf(path, info)
	if !full && w.schema != -1 && now == w.seen {
		return nil
	}
	if err := index(ctx, w); err != nil {
		return err
	}
	w.seen = now // taken before the schema was read: a later write changes it again
	return nil
}

// index creates the missing indexes of one database if its schema version moved.
func index(ctx context.Context, w *watched) error {
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

// stampOf reads the stamp of the database at path (whose file is info) and of its log.
func stampOf(path string, info os.FileInfo) stamp {
	s := stamp{size: info.Size(), mod: info.ModTime()}
	if wal, err := os.Stat(path + "-wal"); err == nil {
		s.walSize, s.walMod = wal.Size(), wal.ModTime()
	}
	return s
}

// open returns the watched database at path, reopening it when the file was replaced, and the
// file as it is now; nil when the file is gone.
func (x *idIndexer) open(path string) (*watched, os.FileInfo, error) {
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, err
	}
	if w := x.dbs[path]; w != nil {
		if os.SameFile(w.file, info) {
			return w, info, nil
		}
		w.db.Close()
		delete(x.dbs, path)
	}
	// mode=rw: never create a database that FerretDB has just dropped.
	db, err := sql.Open("sqlite", "file:"+path+"?mode=rw&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(1)
	w := &watched{db: db, file: info, schema: -1}
	x.dbs[path] = w
	return w, info, nil
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
