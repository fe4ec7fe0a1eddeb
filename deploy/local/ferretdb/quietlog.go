package main

// FerretDB v1 adds every SQL statement's arguments (whole documents) to a logger with `With`
// before it logs at debug level, twice per statement. slog's text handler formats and quotes
// those attributes as soon as `With` is called, whatever the level, which was a fifteenth of the
// store's CPU. lazyHandler keeps the attributes as given and formats them only for a record it
// writes, so a level that writes nothing costs nothing.

import (
	"context"
	"log/slog"
	"slices"
)

type lazyHandler struct {
	inner slog.Handler
	with  []func(slog.Handler) slog.Handler // WithAttrs and WithGroup calls, in order
}

func newLazyHandler(inner slog.Handler) *lazyHandler {
	return &lazyHandler{inner: inner}
}

func (h *lazyHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *lazyHandler) Handle(ctx context.Context, r slog.Record) error {
	inner := h.inner
	for _, apply := range h.with {
		inner = apply(inner)
	}
	return inner.Handle(ctx, r)
}

func (h *lazyHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.then(func(x slog.Handler) slog.Handler { return x.WithAttrs(attrs) })
}

func (h *lazyHandler) WithGroup(name string) slog.Handler {
	return h.then(func(x slog.Handler) slog.Handler { return x.WithGroup(name) })
}

func (h *lazyHandler) then(apply func(slog.Handler) slog.Handler) *lazyHandler {
	return &lazyHandler{inner: h.inner, with: append(slices.Clip(h.with), apply)}
}
