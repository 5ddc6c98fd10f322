package ports

import (
	"strings"

	"github.com/aidflow/aidflow/services/disclosure/domain"
)

// tilePos places each province on the page's tile map: a grid of 8
// columns and 9 rows that keeps rough neighbourhoods (north at the top,
// the coast on the right), every province the same size so small ones
// (Beijing, Macao) are as visible as large ones. It is not to scale.
var tilePos = map[string][2]int{
	"230000": {1, 8}, "220000": {2, 8}, "210000": {3, 8},
	"650000": {3, 2}, "150000": {3, 5}, "110000": {3, 6}, "120000": {3, 7},
	"620000": {4, 3}, "640000": {4, 4}, "140000": {4, 5}, "130000": {4, 6}, "370000": {4, 7},
	"630000": {5, 3}, "610000": {5, 4}, "410000": {5, 5}, "340000": {5, 6}, "320000": {5, 7}, "310000": {5, 8},
	"540000": {6, 2}, "510000": {6, 3}, "500000": {6, 4}, "420000": {6, 5}, "360000": {6, 6}, "330000": {6, 7},
	"530000": {7, 3}, "520000": {7, 4}, "430000": {7, 5}, "350000": {7, 6}, "710000": {7, 7},
	"450000": {8, 4}, "440000": {8, 5}, "810000": {8, 6},
	"460000": {9, 4}, "820000": {9, 5},
}

// tile is one province on the map.
type tile struct {
	domain.RegionShortage
	Row, Col int
	Short    string
}

func tiles(rs []domain.RegionShortage, en bool) []tile {
	out := make([]tile, 0, len(rs))
	for _, r := range rs {
		p, ok := tilePos[r.Province]
		if !ok {
			p = [2]int{10, 1 + len(out)%8} // a province the layout does not know still shows, below
		}
		short := shortZh(r.NameZh)
		if en {
			short = r.Name
		}
		out = append(out, tile{RegionShortage: r, Row: p[0], Col: p[1], Short: short})
	}
	return out
}

// shortZh is a province's name without its kind (省, 市, 自治区…), as
// maps label them.
func shortZh(name string) string {
	for _, suffix := range []string{"壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市"} {
		if s, ok := strings.CutSuffix(name, suffix); ok && s != "" {
			return s
		}
	}
	return name
}
