package store

import (
	"time"

	"github.com/uptrace/bun"
)

// Region is a node of the administrative tree: province, city, district,
// street (a 街道 or a 乡镇). Its code is the official division code. Path is
// the materialized path of ids from the root ("/1/7/42/"), copied onto every
// row that hangs from a region so that "anything under this region" is one
// index range scan.
type Region struct {
	bun.BaseModel `bun:"table:regions"`

	RowID    int64   `bun:"id,pk,autoincrement"`
	Code     string  `bun:"code"`
	Name     string  `bun:"name"`
	Level    string  `bun:"level"`
	ParentID *int64  `bun:"parent_id"`
	Path     string  `bun:"path"`
	TZ       *string `bun:"time_zone"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the region's global id.
func (r *Region) ID() string { return GlobalID("Region", r.RowID) }

// TimeZone is the IANA zone local periods are cut in for this region.
func (r *Region) TimeZone() string {
	if r.TZ != nil && *r.TZ != "" {
		return *r.TZ
	}
	return "Asia/Shanghai"
}

// Location is the region's time zone, loaded.
func (r *Region) Location() *time.Location {
	if r.TZ == nil || *r.TZ == "" {
		return Shanghai
	}
	loc, err := time.LoadLocation(*r.TZ)
	if err != nil {
		return Shanghai
	}
	return loc
}

// RegionLevels are the levels of the tree, root first.
var RegionLevels = []string{"PROVINCE", "CITY", "DISTRICT", "STREET"}

// Community is where people live: an urban community (社区) or an
// administrative village (村), hanging from its street.
type Community struct {
	bun.BaseModel `bun:"table:communities"`

	RowID      int64  `bun:"id,pk,autoincrement"`
	Code       string `bun:"code"`
	Name       string `bun:"name"`
	Kind       string `bun:"kind"`
	RegionID   int64  `bun:"region_id"`
	Population *int   `bun:"population"`
	Households *int   `bun:"households"`
	RegionPath string `bun:"region_path"`
	// ArchivedAt is when the row was archived; nil while it is live.
	ArchivedAt *time.Time `bun:"archived_at"`
}

// ID is the community's global id.
func (c *Community) ID() string { return GlobalID("Community", c.RowID) }

// CommunityKinds are the kinds of community.
var CommunityKinds = []string{"URBAN", "VILLAGE"}
