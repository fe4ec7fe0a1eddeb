package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestLazyHandlerWritesWhatTheTextHandlerWrites(t *testing.T) {
	var lazy, eager bytes.Buffer
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	opts := &slog.HandlerOptions{Level: slog.LevelWarn, ReplaceAttr: noTime}
	for _, out := range []struct {
		buf *bytes.Buffer
		h   func(slog.Handler) slog.Handler
	}{
		{&lazy, func(h slog.Handler) slog.Handler { return newLazyHandler(h) }},
		{&eager, func(h slog.Handler) slog.Handler { return h }},
	} {
		l := slog.New(out.h(slog.NewTextHandler(out.buf, opts)))
		l = l.With("name", "conn").WithGroup("g").With("args", []any{"a \"b\"", 1})
		l.Debug("not written")
		l.Warn("written", "n", 2)
	}
	if lazy.String() != eager.String() {
		t.Fatalf("lazy %q, eager %q", lazy.String(), eager.String())
	}
	if strings.Contains(lazy.String(), "not written") || !strings.Contains(lazy.String(), "g.args=") {
		t.Fatalf("unexpected output %q", lazy.String())
	}
}
