package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/civicgraph/civicgraph/internal/accesslog"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/store"
)

// An export goes out in chunks: rows are encoded into a buffer, and every
// chunkRows rows or chunkBytes bytes the chunk's unmasked personal reads
// are written to the access log, then the chunk to the client, then the
// response is flushed. Memory holds one row and one chunk, however large
// the export; and personal data never leaves before its read is recorded
// (if the log cannot be written, the chunk is dropped and the export ends).

const (
	chunkRows  = 2000
	chunkBytes = 256 << 10
)

// errClient marks a failure to write to the client: it hung up.
var errClient = errors.New("client went away")

// stream writes the selected rows to w.
func (h *handler) stream(ctx context.Context, w http.ResponseWriter, req *request) {
	who := auth.From(ctx)
	s := &stream{
		h: h, ctx: ctx, w: w, rc: http.NewResponseController(w), who: who,
		op: "export " + req.typeName, personal: newPersonal(who, req.typeName),
	}
	s.enc = req.format.encoder(req.typeName, &s.buf)
	s.logCtx, s.log = accesslog.With(ctx)
	err := withExportQuerier(ctx, h.db, func(q store.Querier) error {
		return ingest.ExportSelected(ctx, q, req.sel, s.row)
	})
	if err == nil {
		err = s.commit()
	}
	if err == nil {
		if !s.started {
			w.WriteHeader(http.StatusOK) // an empty export
		}
		return
	}
	if errors.Is(err, errClient) || ctx.Err() != nil {
		slog.InfoContext(ctx, "export ended early", "type", req.typeName, "rows", s.rows, "err", err.Error())
		return
	}
	slog.ErrorContext(ctx, "export failed", "type", req.typeName, "rows", s.rows, "err", err.Error())
	if !s.started {
		writeError(w, http.StatusInternalServerError, errors.New("internal error"))
		return
	}
	if req.format.ext == "ndjson" {
		_, _ = w.Write([]byte(interrupted))
		_ = s.rc.Flush()
		return
	}
	// CSV has no place for an error: cut the response short, so that the
	// client sees a broken transfer rather than a complete file.
	panic(http.ErrAbortHandler)
}

// stream is one export in progress.
type stream struct {
	h        *handler
	ctx      context.Context
	w        http.ResponseWriter
	rc       *http.ResponseController
	who      *auth.Principal
	op       string
	personal *personal
	enc      encoder

	buf     bytes.Buffer // the chunk
	logCtx  context.Context
	log     *accesslog.Log // the chunk's unmasked reads
	pending int            // rows in the chunk
	rows    int            // rows written so far
	started bool           // the response has begun
}

// row encodes one row into the chunk, committing the chunk when full.
func (s *stream) row(r *ingest.Row) error {
	s.personal.apply(s.logCtx, r)
	if err := s.enc.row(r); err != nil {
		return err
	}
	s.pending++
	s.rows++
	if s.pending >= chunkRows || s.buf.Len() >= chunkBytes {
		return s.commit()
	}
	return nil
}

// commit logs the chunk's personal reads, then sends the chunk.
func (s *stream) commit() error {
	if err := s.enc.flush(); err != nil {
		return err
	}
	if s.log.Len() > 0 {
		// Written even if the client is gone: the rows may have left.
		if err := s.log.Write(context.WithoutCancel(s.ctx), s.h.db, s.who, s.op, s.h.now()); err != nil {
			return fmt.Errorf("write access log: %w", err)
		}
		s.logCtx, s.log = accesslog.With(s.ctx)
	}
	s.pending = 0
	if s.buf.Len() == 0 {
		return nil
	}
	s.started = true
	_, err := s.w.Write(s.buf.Bytes())
	s.buf.Reset()
	if err != nil {
		return fmt.Errorf("%w: %v", errClient, err)
	}
	if err := s.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("%w: %v", errClient, err)
	}
	return nil
}
