package ports

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/httpx"
)

// ImportRowJSON is one row of a successful import's answer.
type ImportRowJSON struct {
	Row    int      `json:"row"`
	Status string   `json:"status"`
	Need   NeedJSON `json:"need"`
}

// ImportJSON is the answer of POST /v1/needs:import.
type ImportJSON struct {
	Created int             `json:"created"`
	Rows    []ImportRowJSON `json:"rows"`
}

func (h handlers) importNeeds(c echo.Context) error {
	req := c.Request()
	if mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); err != nil || (mt != "text/csv" && mt != "application/csv") {
		return apperr.New(apperr.Invalid, "Content-Type must be text/csv (a CSV file, UTF-8, with a header row), got %q", req.Header.Get(echo.HeaderContentType))
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he // the body limit's 413
		}
		return apperr.Wrap(apperr.Invalid, err, "the request body could not be read")
	}
	rows, err := DecodeNeedsCSV(body)
	if err != nil {
		return err
	}
	// With an Idempotency-Key, the needs' ids follow from it and the file,
	// so a retry after a failed write completes the import without doubles.
	cl := auth.From(c)
	needs, err := h.app.ImportNeeds(req.Context(), domain.Poster{HospitalID: cl.OrgID, Region: cl.Region}, httpx.RequestKey(c), rows)
	if err != nil {
		return err
	}
	v := viewer(c)
	out := ImportJSON{Created: len(needs), Rows: make([]ImportRowJSON, 0, len(needs))}
	for i, n := range needs {
		out.Rows = append(out.Rows, ImportRowJSON{Row: rows[i].Line, Status: "created", Need: toJSON(n, v)})
	}
	return c.JSON(http.StatusCreated, out)
}
