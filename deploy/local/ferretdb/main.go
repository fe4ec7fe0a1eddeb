// Command ferretdb serves the MongoDB wire protocol on top of SQLite for the local stack.
//
// It embeds FerretDB v1 as a library so that `go install` of this folder builds it from the
// Go module proxy alone.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only with -pprof-addr
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data-dir", "data", "folder for the SQLite databases")
	sqliteParams := flag.String("sqlite-params", "_pragma=synchronous(normal)",
		"query parameters of the SQLite URL; synchronous(normal) with the WAL journal loses no\n"+
			"committed write when the process dies, only on a power loss, and avoids an fsync per write")
	indexEvery := flag.Duration("index-every", 200*time.Millisecond,
		"how often new collections get the _id index that FerretDB's own point queries use")
	pprofAddr := flag.String("pprof-addr", "",
		"serve Go's profiler (/debug/pprof) here, to see where the store's CPU goes; off when empty")
	flag.Parse()

	if err := os.MkdirAll(*dataDir, 0o755); err != nil {
		log.Fatal(err)
	}

	logger := slog.New(newLazyHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dataDir + "/?" + *sqliteParams,
		Logger:    logger,
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	go newIDIndexer(*dataDir, logger).run(ctx, *indexEvery)
	if *pprofAddr != "" {
		go func() { log.Print(http.ListenAndServe(*pprofAddr, nil)) }()
	}

	log.Printf("FerretDB listening on %s, data in %s", *listen, *dataDir)
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}
