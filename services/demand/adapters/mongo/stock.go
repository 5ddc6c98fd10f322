package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/demand/domain"
	"github.com/aidflow/aidflow/shared/keymutex"
	"github.com/aidflow/aidflow/shared/mongox"
	"github.com/aidflow/aidflow/shared/outbox"
)

// StockCollection is the stock reports' collection name.
const StockCollection = "stock_reports"

// StockReports is the MongoDB domain.StockRepository: one document per
// hospital and item, _id "<hospital_id>/<item>", with its outbox.
type StockReports struct {
	coll  *mongo.Collection
	relay *outbox.Relay
	locks keymutex.Map
}

// NewStockReports stores reports in db and relays their events through relay.
func NewStockReports(db *mongo.Database, relay *outbox.Relay) *StockReports {
	c := db.Collection(StockCollection)
	relay.Watch(c)
	return &StockReports{coll: c, relay: relay}
}

type stockDoc struct {
	ID               string    `bson:"_id"`
	HospitalID       string    `bson:"hospital_id"`
	Item             string    `bson:"item"`
	Region           string    `bson:"region"`
	OnHand           int64     `bson:"on_hand"`
	DailyConsumption int64     `bson:"daily_consumption"`
	DaysOfSupply     float64   `bson:"days_of_supply"`
	ReportedAt       time.Time `bson:"reported_at"`
}

func (d stockDoc) report() domain.StockReport {
	return domain.StockReport{HospitalID: d.HospitalID, Item: d.Item, Region: d.Region, OnHand: d.OnHand,
		DailyConsumption: d.DailyConsumption, DaysOfSupply: d.DaysOfSupply, ReportedAt: d.ReportedAt.UTC()}
}

// Put inserts the first report of a hospital and item and updates it
// afterwards: an update, never a replacement, so events of the previous
// report still waiting in the outbox are kept.
func (r *StockReports) Put(ctx context.Context, s domain.StockReport, evs ...events.Envelope) error {
	unlock := r.locks.Lock(s.ID())
	defer unlock()
	d := stockDoc{ID: s.ID(), HospitalID: s.HospitalID, Item: s.Item, Region: s.Region, OnHand: s.OnHand,
		DailyConsumption: s.DailyConsumption, DaysOfSupply: s.DaysOfSupply, ReportedAt: s.ReportedAt}
	set, err := mongox.SetOf(d)
	if err != nil {
		return err
	}
	err = r.relay.Update(ctx, r.coll, d.ID, bson.D{{Key: "$set", Value: set}}, evs...)
	if !mongox.IsNotFound(err) {
		return err
	}
	err = r.relay.Insert(ctx, r.coll, d, evs...)
	if mongox.IsDuplicate(err) {
		// Only this process writes (see the README), under the lock above;
		// a duplicate means another instance wrote first: try the update once more.
		return r.relay.Update(ctx, r.coll, d.ID, bson.D{{Key: "$set", Value: set}}, evs...)
	}
	return err
}

func (r *StockReports) Get(ctx context.Context, hospitalID, item string) (domain.StockReport, error) {
	d, err := mongox.FindByID[stockDoc](ctx, r.coll, domain.StockReportID(hospitalID, item), domain.ErrStockReportNotFound,
		options.FindOne().SetProjection(bson.D{{Key: outbox.Field, Value: 0}}))
	if err != nil {
		return domain.StockReport{}, err
	}
	return d.report(), nil
}

// All reads every report once, at start.
func (r *StockReports) All(ctx context.Context, f func(domain.StockReport) error) error {
	return mongox.Each(ctx, r.coll, bson.D{}, func(d stockDoc) error { return f(d.report()) },
		options.Find().SetProjection(bson.D{{Key: outbox.Field, Value: 0}}))
}
