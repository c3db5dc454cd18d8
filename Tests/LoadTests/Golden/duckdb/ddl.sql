-- stripe-warehouse DDL (duckdb), generated from schemas/; safe to apply again.

-- customers: One row per customer (a snapshot per run). Listed customers come from the customers stream; a deleted customer that invoices, subscriptions or credit notes still name comes from the deletion stub the extract retrieves by id (id and deleted only), or from its customer.deleted event while the events stream holds one; other customers deleted since are added from customer.deleted events. Both have deleted = true.
-- primary key: customer_id, unique across all partitions
CREATE TABLE IF NOT EXISTS customers (
  customer_id VARCHAR NOT NULL,
  name VARCHAR,
  email VARCHAR,
  country VARCHAR,
  postal_code VARCHAR,
  created_at TIMESTAMPTZ,
  currency VARCHAR,
  delinquent BOOLEAN,
  livemode BOOLEAN,
  deleted BOOLEAN NOT NULL,
  metadata JSON,
  identity_key VARCHAR NOT NULL,
  identity_key_source VARCHAR NOT NULL,
  snapshot_date DATE NOT NULL,
  PRIMARY KEY (customer_id)
);
COMMENT ON TABLE customers IS 'One row per customer (a snapshot per run). Listed customers come from the customers stream; a deleted customer that invoices, subscriptions or credit notes still name comes from the deletion stub the extract retrieves by id (id and deleted only), or from its customer.deleted event while the events stream holds one; other customers deleted since are added from customer.deleted events. Both have deleted = true.';
COMMENT ON COLUMN customers.customer_id IS 'Stripe customer id (cus_...).';
COMMENT ON COLUMN customers.name IS 'Customer''s full name or business name.';
COMMENT ON COLUMN customers.email IS 'Customer''s email address.';
COMMENT ON COLUMN customers.country IS 'Two-letter country code of the billing address, else of the shipping address.';
COMMENT ON COLUMN customers.postal_code IS 'Postal code of the billing address, else of the shipping address.';
COMMENT ON COLUMN customers.created_at IS 'When the customer was created (UTC); null only for a deleted customer known from a bare deletion stub.';
COMMENT ON COLUMN customers.currency IS 'Default currency (lowercase ISO 4217) of the customer''s invoices, once set.';
COMMENT ON COLUMN customers.delinquent IS 'Whether the latest invoice or charge failed to be paid.';
COMMENT ON COLUMN customers.livemode IS 'true for live-mode objects, false for test mode; always equals the pipeline''s mode (others are rejected); null only for a bare deletion stub, which carries no mode.';
COMMENT ON COLUMN customers.deleted IS 'true when the customer was deleted (a deletion stub, or a customer.deleted event in the events stream).';
COMMENT ON COLUMN customers.metadata IS 'The customer''s metadata object, verbatim.';
COMMENT ON COLUMN customers.identity_key IS 'Key for joining other sources, chosen by the pipeline''s transform.identity_key (email, id or metadata.<field>); falls back to the customer id when that field is empty.';
COMMENT ON COLUMN customers.identity_key_source IS 'Which field identity_key came from: email, metadata.<field> or id.';

-- customers_history: Every loaded snapshot of customers (one per snapshot_date): One row per customer (a snapshot per run). Listed customers come from the customers stream; a deleted customer that invoices, subscriptions or credit notes still name comes from the deletion stub the extract retrieves by id (id and deleted only), or from its customer.deleted event while the events stream holds one; other customers deleted since are added from customer.deleted events. Both have deleted = true.
-- primary key: customer_id, snapshot_date, unique across all partitions
CREATE TABLE IF NOT EXISTS customers_history (
  customer_id VARCHAR NOT NULL,
  name VARCHAR,
  email VARCHAR,
  country VARCHAR,
  postal_code VARCHAR,
  created_at TIMESTAMPTZ,
  currency VARCHAR,
  delinquent BOOLEAN,
  livemode BOOLEAN,
  deleted BOOLEAN NOT NULL,
  metadata JSON,
  identity_key VARCHAR NOT NULL,
  identity_key_source VARCHAR NOT NULL,
  snapshot_date DATE NOT NULL,
  PRIMARY KEY (customer_id, snapshot_date)
);
COMMENT ON TABLE customers_history IS 'Every loaded snapshot of customers (one per snapshot_date): One row per customer (a snapshot per run). Listed customers come from the customers stream; a deleted customer that invoices, subscriptions or credit notes still name comes from the deletion stub the extract retrieves by id (id and deleted only), or from its customer.deleted event while the events stream holds one; other customers deleted since are added from customer.deleted events. Both have deleted = true.';
COMMENT ON COLUMN customers_history.customer_id IS 'Stripe customer id (cus_...).';
COMMENT ON COLUMN customers_history.name IS 'Customer''s full name or business name.';
COMMENT ON COLUMN customers_history.email IS 'Customer''s email address.';
COMMENT ON COLUMN customers_history.country IS 'Two-letter country code of the billing address, else of the shipping address.';
COMMENT ON COLUMN customers_history.postal_code IS 'Postal code of the billing address, else of the shipping address.';
COMMENT ON COLUMN customers_history.created_at IS 'When the customer was created (UTC); null only for a deleted customer known from a bare deletion stub.';
COMMENT ON COLUMN customers_history.currency IS 'Default currency (lowercase ISO 4217) of the customer''s invoices, once set.';
COMMENT ON COLUMN customers_history.delinquent IS 'Whether the latest invoice or charge failed to be paid.';
COMMENT ON COLUMN customers_history.livemode IS 'true for live-mode objects, false for test mode; always equals the pipeline''s mode (others are rejected); null only for a bare deletion stub, which carries no mode.';
COMMENT ON COLUMN customers_history.deleted IS 'true when the customer was deleted (a deletion stub, or a customer.deleted event in the events stream).';
COMMENT ON COLUMN customers_history.metadata IS 'The customer''s metadata object, verbatim.';
COMMENT ON COLUMN customers_history.identity_key IS 'Key for joining other sources, chosen by the pipeline''s transform.identity_key (email, id or metadata.<field>); falls back to the customer id when that field is empty.';
COMMENT ON COLUMN customers_history.identity_key_source IS 'Which field identity_key came from: email, metadata.<field> or id.';

-- prices: One row per price (a snapshot per run), active or archived, with its product's name. Plan-shaped objects (the legacy plans API) map to the same columns.
-- primary key: price_id, unique across all partitions
CREATE TABLE IF NOT EXISTS prices (
  price_id VARCHAR NOT NULL,
  product_id VARCHAR NOT NULL,
  product_name VARCHAR,
  nickname VARCHAR,
  type VARCHAR NOT NULL,
  recurring_interval VARCHAR,
  recurring_interval_count BIGINT,
  usage_type VARCHAR,
  billing_scheme VARCHAR,
  tiers_mode VARCHAR,
  tiers JSON,
  transform_quantity JSON,
  currency VARCHAR NOT NULL,
  unit_amount BIGINT,
  unit_amount_major DECIMAL(22, 3),
  unit_amount_decimal DECIMAL(38, 12),
  active BOOLEAN NOT NULL,
  livemode BOOLEAN NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  reporting_currency VARCHAR NOT NULL,
  unit_amount_reporting DECIMAL(38, 3),
  fx_rate DECIMAL(30, 12),
  fx_rate_date DATE,
  fx_status VARCHAR NOT NULL,
  fx_reason VARCHAR,
  snapshot_date DATE NOT NULL,
  PRIMARY KEY (price_id)
);
COMMENT ON TABLE prices IS 'One row per price (a snapshot per run), active or archived, with its product''s name. Plan-shaped objects (the legacy plans API) map to the same columns.';
COMMENT ON COLUMN prices.price_id IS 'Stripe price id (price_...) or legacy plan id.';
COMMENT ON COLUMN prices.product_id IS 'The product the price belongs to (prod_...).';
COMMENT ON COLUMN prices.product_name IS 'The product''s name, joined from the products stream of the same run; null when the product is not in it.';
COMMENT ON COLUMN prices.nickname IS 'The price''s nickname, else the legacy plan''s name.';
COMMENT ON COLUMN prices.type IS 'one_time or recurring (legacy plans are recurring).';
COMMENT ON COLUMN prices.recurring_interval IS 'Billing period unit: day, week, month or year; null for one-time prices.';
COMMENT ON COLUMN prices.recurring_interval_count IS 'Number of interval units per billing period (3 with month = quarterly).';
COMMENT ON COLUMN prices.usage_type IS 'licensed (charged per quantity) or metered (charged per reported usage); null for one-time prices.';
COMMENT ON COLUMN prices.billing_scheme IS 'per_unit or tiered.';
COMMENT ON COLUMN prices.tiers_mode IS 'graduated or volume for tiered prices, else null.';
COMMENT ON COLUMN prices.tiers IS 'Tiers of a tiered price ([{up_to, unit_amount, unit_amount_decimal, flat_amount, flat_amount_decimal}], ascending, the last up_to null; amounts in minor units), as Stripe returns them when expanded (the extract asks for expand[]=data.tiers); null for per-unit prices.';
COMMENT ON COLUMN prices.transform_quantity IS 'transform_quantity ({divide_by, round}; transform_usage for legacy plans): the billed quantity is quantity / divide_by rounded up or down.';
COMMENT ON COLUMN prices.currency IS 'Lowercase ISO 4217 currency of the price.';
COMMENT ON COLUMN prices.unit_amount IS 'Unit amount in the currency''s minor unit (cents; yen for JPY; fils for BHD); null for tiered and sub-minor-unit prices.';
COMMENT ON COLUMN prices.unit_amount_major IS 'unit_amount in major units, exact, using the currency''s real exponent (0 for JPY, 2 for EUR, 3 for BHD).';
COMMENT ON COLUMN prices.unit_amount_decimal IS 'Unit amount in minor units with sub-minor-unit precision (Stripe''s unit_amount_decimal string).';
COMMENT ON COLUMN prices.active IS 'Whether the price can be used for new purchases (archived prices are false).';
COMMENT ON COLUMN prices.livemode IS 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.';
COMMENT ON COLUMN prices.created_at IS 'When the price was created (UTC).';
COMMENT ON COLUMN prices.reporting_currency IS 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.';
COMMENT ON COLUMN prices.unit_amount_reporting IS 'unit_amount converted to the reporting currency at the price''s creation date, rounded half-even to the reporting currency''s exponent. Null unless fx_status is converted.';
COMMENT ON COLUMN prices.fx_rate IS 'Reporting-currency units per one major unit of the price''s currency (ECB reference rates, cross rates through EUR; 1 for the reporting currency itself). Null unless fx_status is converted.';
COMMENT ON COLUMN prices.fx_rate_date IS 'The ECB publication day of the rate used: the latest on or before the price''s creation date. Null unless fx_status is converted.';
COMMENT ON COLUMN prices.fx_status IS 'Whether the _reporting columns hold a conversion: converted; stale_rate (the latest rate on or before the date is older than fx.max_staleness_days); no_rate (no rate for the currency on or before the date, or conversion is off). The row is kept either way; the _reporting columns, fx_rate and fx_rate_date are null unless converted, and a later run with the rate converts it.';
COMMENT ON COLUMN prices.fx_reason IS 'Why the row is not converted and how to fix it (which currency, date and latest rate); null when converted.';

-- prices_history: Every loaded snapshot of prices (one per snapshot_date): One row per price (a snapshot per run), active or archived, with its product's name. Plan-shaped objects (the legacy plans API) map to the same columns.
-- primary key: price_id, snapshot_date, unique across all partitions
CREATE TABLE IF NOT EXISTS prices_history (
  price_id VARCHAR NOT NULL,
  product_id VARCHAR NOT NULL,
  product_name VARCHAR,
  nickname VARCHAR,
  type VARCHAR NOT NULL,
  recurring_interval VARCHAR,
  recurring_interval_count BIGINT,
  usage_type VARCHAR,
  billing_scheme VARCHAR,
  tiers_mode VARCHAR,
  tiers JSON,
  transform_quantity JSON,
  currency VARCHAR NOT NULL,
  unit_amount BIGINT,
  unit_amount_major DECIMAL(22, 3),
  unit_amount_decimal DECIMAL(38, 12),
  active BOOLEAN NOT NULL,
  livemode BOOLEAN NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  reporting_currency VARCHAR NOT NULL,
  unit_amount_reporting DECIMAL(38, 3),
  fx_rate DECIMAL(30, 12),
  fx_rate_date DATE,
  fx_status VARCHAR NOT NULL,
  fx_reason VARCHAR,
  snapshot_date DATE NOT NULL,
  PRIMARY KEY (price_id, snapshot_date)
);
COMMENT ON TABLE prices_history IS 'Every loaded snapshot of prices (one per snapshot_date): One row per price (a snapshot per run), active or archived, with its product''s name. Plan-shaped objects (the legacy plans API) map to the same columns.';
COMMENT ON COLUMN prices_history.price_id IS 'Stripe price id (price_...) or legacy plan id.';
COMMENT ON COLUMN prices_history.product_id IS 'The product the price belongs to (prod_...).';
COMMENT ON COLUMN prices_history.product_name IS 'The product''s name, joined from the products stream of the same run; null when the product is not in it.';
COMMENT ON COLUMN prices_history.nickname IS 'The price''s nickname, else the legacy plan''s name.';
COMMENT ON COLUMN prices_history.type IS 'one_time or recurring (legacy plans are recurring).';
COMMENT ON COLUMN prices_history.recurring_interval IS 'Billing period unit: day, week, month or year; null for one-time prices.';
COMMENT ON COLUMN prices_history.recurring_interval_count IS 'Number of interval units per billing period (3 with month = quarterly).';
COMMENT ON COLUMN prices_history.usage_type IS 'licensed (charged per quantity) or metered (charged per reported usage); null for one-time prices.';
COMMENT ON COLUMN prices_history.billing_scheme IS 'per_unit or tiered.';
COMMENT ON COLUMN prices_history.tiers_mode IS 'graduated or volume for tiered prices, else null.';
COMMENT ON COLUMN prices_history.tiers IS 'Tiers of a tiered price ([{up_to, unit_amount, unit_amount_decimal, flat_amount, flat_amount_decimal}], ascending, the last up_to null; amounts in minor units), as Stripe returns them when expanded (the extract asks for expand[]=data.tiers); null for per-unit prices.';
COMMENT ON COLUMN prices_history.transform_quantity IS 'transform_quantity ({divide_by, round}; transform_usage for legacy plans): the billed quantity is quantity / divide_by rounded up or down.';
COMMENT ON COLUMN prices_history.currency IS 'Lowercase ISO 4217 currency of the price.';
COMMENT ON COLUMN prices_history.unit_amount IS 'Unit amount in the currency''s minor unit (cents; yen for JPY; fils for BHD); null for tiered and sub-minor-unit prices.';
COMMENT ON COLUMN prices_history.unit_amount_major IS 'unit_amount in major units, exact, using the currency''s real exponent (0 for JPY, 2 for EUR, 3 for BHD).';
COMMENT ON COLUMN prices_history.unit_amount_decimal IS 'Unit amount in minor units with sub-minor-unit precision (Stripe''s unit_amount_decimal string).';
COMMENT ON COLUMN prices_history.active IS 'Whether the price can be used for new purchases (archived prices are false).';
COMMENT ON COLUMN prices_history.livemode IS 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.';
COMMENT ON COLUMN prices_history.created_at IS 'When the price was created (UTC).';
COMMENT ON COLUMN prices_history.reporting_currency IS 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.';
COMMENT ON COLUMN prices_history.unit_amount_reporting IS 'unit_amount converted to the reporting currency at the price''s creation date, rounded half-even to the reporting currency''s exponent. Null unless fx_status is converted.';
COMMENT ON COLUMN prices_history.fx_rate IS 'Reporting-currency units per one major unit of the price''s currency (ECB reference rates, cross rates through EUR; 1 for the reporting currency itself). Null unless fx_status is converted.';
COMMENT ON COLUMN prices_history.fx_rate_date IS 'The ECB publication day of the rate used: the latest on or before the price''s creation date. Null unless fx_status is converted.';
COMMENT ON COLUMN prices_history.fx_status IS 'Whether the _reporting columns hold a conversion: converted; stale_rate (the latest rate on or before the date is older than fx.max_staleness_days); no_rate (no rate for the currency on or before the date, or conversion is off). The row is kept either way; the _reporting columns, fx_rate and fx_rate_date are null unless converted, and a later run with the rate converts it.';
COMMENT ON COLUMN prices_history.fx_reason IS 'Why the row is not converted and how to fix it (which currency, date and latest rate); null when converted.';

-- subscriptions: One row per subscription item (a snapshot per run): the subscription's state, the item's price and quantity, discounts, and the item's monthly recurring revenue (MRR).
-- primary key: subscription_item_id, unique across all partitions
CREATE TABLE IF NOT EXISTS subscriptions (
  subscription_id VARCHAR NOT NULL,
  subscription_item_id VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  stripe_status VARCHAR NOT NULL,
  trial_start TIMESTAMPTZ,
  trial_end TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL,
  start_date TIMESTAMPTZ,
  current_period_start TIMESTAMPTZ,
  current_period_end TIMESTAMPTZ,
  cancel_at TIMESTAMPTZ,
  canceled_at TIMESTAMPTZ,
  ended_at TIMESTAMPTZ,
  cancel_at_period_end BOOLEAN NOT NULL,
  price_id VARCHAR NOT NULL,
  product_id VARCHAR,
  currency VARCHAR NOT NULL,
  recurring_interval VARCHAR,
  recurring_interval_count BIGINT,
  usage_type VARCHAR,
  quantity BIGINT,
  transform_quantity JSON,
  unit_amount BIGINT,
  unit_amount_major DECIMAL(22, 3),
  unit_amount_decimal DECIMAL(38, 12),
  discounts JSON NOT NULL,
  mrr DECIMAL(38, 6),
  mrr_status VARCHAR NOT NULL,
  livemode BOOLEAN NOT NULL,
  reporting_currency VARCHAR NOT NULL,
  unit_amount_reporting DECIMAL(38, 3),
  mrr_reporting DECIMAL(38, 3),
  fx_rate DECIMAL(30, 12),
  fx_rate_date DATE,
  fx_status VARCHAR NOT NULL,
  fx_reason VARCHAR,
  snapshot_date DATE NOT NULL,
  PRIMARY KEY (subscription_item_id)
);
COMMENT ON TABLE subscriptions IS 'One row per subscription item (a snapshot per run): the subscription''s state, the item''s price and quantity, discounts, and the item''s monthly recurring revenue (MRR).';
COMMENT ON COLUMN subscriptions.subscription_id IS 'Stripe subscription id (sub_...).';
COMMENT ON COLUMN subscriptions.subscription_item_id IS 'Stripe subscription item id (si_...); one row per item.';
COMMENT ON COLUMN subscriptions.customer_id IS 'The subscribed customer (cus_...).';
COMMENT ON COLUMN subscriptions.status IS 'Stripe''s status, except paused when pause_collection is set (Stripe reports those as active).';
COMMENT ON COLUMN subscriptions.stripe_status IS 'Stripe''s own status: incomplete, incomplete_expired, trialing, active, past_due, canceled, unpaid or paused.';
COMMENT ON COLUMN subscriptions.trial_start IS 'Start of the trial, if any (UTC).';
COMMENT ON COLUMN subscriptions.trial_end IS 'End of the trial, if any (UTC).';
COMMENT ON COLUMN subscriptions.created_at IS 'When the subscription was created (UTC).';
COMMENT ON COLUMN subscriptions.start_date IS 'When the subscription started (may precede created for backdated subscriptions).';
COMMENT ON COLUMN subscriptions.current_period_start IS 'Start of the item''s current billing period (on the item since 2025-03-31, on the subscription before).';
COMMENT ON COLUMN subscriptions.current_period_end IS 'End of the item''s current billing period (on the item since 2025-03-31, on the subscription before).';
COMMENT ON COLUMN subscriptions.cancel_at IS 'Effective cancellation: cancel_at when scheduled, else the current period end when cancel_at_period_end is true, else null.';
COMMENT ON COLUMN subscriptions.canceled_at IS 'When cancellation was requested (UTC).';
COMMENT ON COLUMN subscriptions.ended_at IS 'When the subscription ended, if it has (UTC).';
COMMENT ON COLUMN subscriptions.cancel_at_period_end IS 'Whether the subscription cancels at the end of the current period.';
COMMENT ON COLUMN subscriptions.price_id IS 'The item''s price (or legacy plan) id.';
COMMENT ON COLUMN subscriptions.product_id IS 'The product of the item''s price.';
COMMENT ON COLUMN subscriptions.currency IS 'Lowercase ISO 4217 currency of the item''s price (the subscription''s currency).';
COMMENT ON COLUMN subscriptions.recurring_interval IS 'Billing period unit of the item''s price: day, week, month or year.';
COMMENT ON COLUMN subscriptions.recurring_interval_count IS 'Interval units per billing period of the item''s price.';
COMMENT ON COLUMN subscriptions.usage_type IS 'licensed or metered.';
COMMENT ON COLUMN subscriptions.quantity IS 'Item quantity; null for metered items.';
COMMENT ON COLUMN subscriptions.transform_quantity IS 'The price''s transform_quantity ({divide_by, round}; plan.transform_usage for legacy plans): the billed quantity is quantity / divide_by rounded up or down.';
COMMENT ON COLUMN subscriptions.unit_amount IS 'The price''s unit amount in minor units; null for tiered and sub-minor-unit prices.';
COMMENT ON COLUMN subscriptions.unit_amount_major IS 'unit_amount in major units, exact, using the currency''s real exponent.';
COMMENT ON COLUMN subscriptions.unit_amount_decimal IS 'The price''s unit amount in minor units with sub-minor-unit precision.';
COMMENT ON COLUMN subscriptions.discounts IS 'Discounts on the subscription and on the item: [{discount, coupon, scope (subscription|item), duration (once|repeating|forever, null when the coupon is unknown), permanent (duration is forever), percent_off, amount_off, currency}], coupons resolved from the coupons stream.';
COMMENT ON COLUMN subscriptions.mrr IS 'Monthly recurring revenue of the item in major units of its currency, under transform.mrr_rule (stripe, the default, or chartmogul). Amount: unit amount x quantity (divided by price.transform_quantity.divide_by and rounded up or down when set), or the price''s tiers at the quantity (from the item''s price, else the prices stream''s expanded tiers), normalised to a month (day x 365/12, week x 52/12, month / interval_count, year / 12 / interval_count), excluding tax. Counted (see mrr_status): active and past_due subscriptions; under stripe not those with pause_collection, under chartmogul those too. 0 for trialing, paused, unpaid and canceled (churned), incomplete and incomplete_expired subscriptions and metered prices. Discounts: forever coupons reduce it under both rules; repeating coupons still running at the snapshot (discount end null or later) under chartmogul only; once coupons never. Percent-off multiplies by (100 - p)/100, amount-off subtracts its amount per billing period normalised the same way, floored at 0; item-level discounts apply to the item, subscription-level ones to the counted total, shared across items in proportion to their MRR. Null when the amount cannot be known (mrr_status unknown: a tiered price without tiers, an unknown coupon, an amount-off coupon in another currency, or more than 10^32 a month). Computed as one exact fraction, rounded once, half-even, to 6 decimals.';
COMMENT ON COLUMN subscriptions.mrr_status IS 'Why the item contributes what it does to mrr under transform.mrr_rule: counted (active or past_due; may still be 0 for quantity 0 or a 100% discount), trialing, paused (Stripe status paused, or pause_collection under the stripe rule), churned (unpaid or canceled), incomplete (incomplete or incomplete_expired), metered, or unknown (mrr null).';
COMMENT ON COLUMN subscriptions.livemode IS 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.';
COMMENT ON COLUMN subscriptions.reporting_currency IS 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.';
COMMENT ON COLUMN subscriptions.unit_amount_reporting IS 'unit_amount converted to the reporting currency, rounded half-even to its exponent. Null unless fx_status is converted.';
COMMENT ON COLUMN subscriptions.mrr_reporting IS 'mrr converted to the reporting currency at the subscription''s creation date (or the run date, per fx.mrr_date), rounded half-even to the reporting currency''s exponent. Null unless fx_status is converted.';
COMMENT ON COLUMN subscriptions.fx_rate IS 'Reporting-currency units per one major unit of the item''s currency. Null unless fx_status is converted.';
COMMENT ON COLUMN subscriptions.fx_rate_date IS 'The ECB publication day of the rate used: the latest on or before the subscription''s creation date (or the run date, per fx.mrr_date). Null unless fx_status is converted.';
COMMENT ON COLUMN subscriptions.fx_status IS 'Whether the _reporting columns hold a conversion: converted; stale_rate (the latest rate on or before the date is older than fx.max_staleness_days); no_rate (no rate for the currency on or before the date, or conversion is off). The row is kept either way; the _reporting columns, fx_rate and fx_rate_date are null unless converted, and a later run with the rate converts it.';
COMMENT ON COLUMN subscriptions.fx_reason IS 'Why the row is not converted and how to fix it (which currency, date and latest rate); null when converted.';

-- subscriptions_history: Every loaded snapshot of subscriptions (one per snapshot_date): One row per subscription item (a snapshot per run): the subscription's state, the item's price and quantity, discounts, and the item's monthly recurring revenue (MRR).
-- primary key: subscription_item_id, snapshot_date, unique across all partitions
CREATE TABLE IF NOT EXISTS subscriptions_history (
  subscription_id VARCHAR NOT NULL,
  subscription_item_id VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  stripe_status VARCHAR NOT NULL,
  trial_start TIMESTAMPTZ,
  trial_end TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL,
  start_date TIMESTAMPTZ,
  current_period_start TIMESTAMPTZ,
  current_period_end TIMESTAMPTZ,
  cancel_at TIMESTAMPTZ,
  canceled_at TIMESTAMPTZ,
  ended_at TIMESTAMPTZ,
  cancel_at_period_end BOOLEAN NOT NULL,
  price_id VARCHAR NOT NULL,
  product_id VARCHAR,
  currency VARCHAR NOT NULL,
  recurring_interval VARCHAR,
  recurring_interval_count BIGINT,
  usage_type VARCHAR,
  quantity BIGINT,
  transform_quantity JSON,
  unit_amount BIGINT,
  unit_amount_major DECIMAL(22, 3),
  unit_amount_decimal DECIMAL(38, 12),
  discounts JSON NOT NULL,
  mrr DECIMAL(38, 6),
  mrr_status VARCHAR NOT NULL,
  livemode BOOLEAN NOT NULL,
  reporting_currency VARCHAR NOT NULL,
  unit_amount_reporting DECIMAL(38, 3),
  mrr_reporting DECIMAL(38, 3),
  fx_rate DECIMAL(30, 12),
  fx_rate_date DATE,
  fx_status VARCHAR NOT NULL,
  fx_reason VARCHAR,
  snapshot_date DATE NOT NULL,
  PRIMARY KEY (subscription_item_id, snapshot_date)
);
COMMENT ON TABLE subscriptions_history IS 'Every loaded snapshot of subscriptions (one per snapshot_date): One row per subscription item (a snapshot per run): the subscription''s state, the item''s price and quantity, discounts, and the item''s monthly recurring revenue (MRR).';
COMMENT ON COLUMN subscriptions_history.subscription_id IS 'Stripe subscription id (sub_...).';
COMMENT ON COLUMN subscriptions_history.subscription_item_id IS 'Stripe subscription item id (si_...); one row per item.';
COMMENT ON COLUMN subscriptions_history.customer_id IS 'The subscribed customer (cus_...).';
COMMENT ON COLUMN subscriptions_history.status IS 'Stripe''s status, except paused when pause_collection is set (Stripe reports those as active).';
COMMENT ON COLUMN subscriptions_history.stripe_status IS 'Stripe''s own status: incomplete, incomplete_expired, trialing, active, past_due, canceled, unpaid or paused.';
COMMENT ON COLUMN subscriptions_history.trial_start IS 'Start of the trial, if any (UTC).';
COMMENT ON COLUMN subscriptions_history.trial_end IS 'End of the trial, if any (UTC).';
COMMENT ON COLUMN subscriptions_history.created_at IS 'When the subscription was created (UTC).';
COMMENT ON COLUMN subscriptions_history.start_date IS 'When the subscription started (may precede created for backdated subscriptions).';
COMMENT ON COLUMN subscriptions_history.current_period_start IS 'Start of the item''s current billing period (on the item since 2025-03-31, on the subscription before).';
COMMENT ON COLUMN subscriptions_history.current_period_end IS 'End of the item''s current billing period (on the item since 2025-03-31, on the subscription before).';
COMMENT ON COLUMN subscriptions_history.cancel_at IS 'Effective cancellation: cancel_at when scheduled, else the current period end when cancel_at_period_end is true, else null.';
COMMENT ON COLUMN subscriptions_history.canceled_at IS 'When cancellation was requested (UTC).';
COMMENT ON COLUMN subscriptions_history.ended_at IS 'When the subscription ended, if it has (UTC).';
COMMENT ON COLUMN subscriptions_history.cancel_at_period_end IS 'Whether the subscription cancels at the end of the current period.';
COMMENT ON COLUMN subscriptions_history.price_id IS 'The item''s price (or legacy plan) id.';
COMMENT ON COLUMN subscriptions_history.product_id IS 'The product of the item''s price.';
COMMENT ON COLUMN subscriptions_history.currency IS 'Lowercase ISO 4217 currency of the item''s price (the subscription''s currency).';
COMMENT ON COLUMN subscriptions_history.recurring_interval IS 'Billing period unit of the item''s price: day, week, month or year.';
COMMENT ON COLUMN subscriptions_history.recurring_interval_count IS 'Interval units per billing period of the item''s price.';
COMMENT ON COLUMN subscriptions_history.usage_type IS 'licensed or metered.';
COMMENT ON COLUMN subscriptions_history.quantity IS 'Item quantity; null for metered items.';
COMMENT ON COLUMN subscriptions_history.transform_quantity IS 'The price''s transform_quantity ({divide_by, round}; plan.transform_usage for legacy plans): the billed quantity is quantity / divide_by rounded up or down.';
COMMENT ON COLUMN subscriptions_history.unit_amount IS 'The price''s unit amount in minor units; null for tiered and sub-minor-unit prices.';
COMMENT ON COLUMN subscriptions_history.unit_amount_major IS 'unit_amount in major units, exact, using the currency''s real exponent.';
COMMENT ON COLUMN subscriptions_history.unit_amount_decimal IS 'The price''s unit amount in minor units with sub-minor-unit precision.';
COMMENT ON COLUMN subscriptions_history.discounts IS 'Discounts on the subscription and on the item: [{discount, coupon, scope (subscription|item), duration (once|repeating|forever, null when the coupon is unknown), permanent (duration is forever), percent_off, amount_off, currency}], coupons resolved from the coupons stream.';
COMMENT ON COLUMN subscriptions_history.mrr IS 'Monthly recurring revenue of the item in major units of its currency, under transform.mrr_rule (stripe, the default, or chartmogul). Amount: unit amount x quantity (divided by price.transform_quantity.divide_by and rounded up or down when set), or the price''s tiers at the quantity (from the item''s price, else the prices stream''s expanded tiers), normalised to a month (day x 365/12, week x 52/12, month / interval_count, year / 12 / interval_count), excluding tax. Counted (see mrr_status): active and past_due subscriptions; under stripe not those with pause_collection, under chartmogul those too. 0 for trialing, paused, unpaid and canceled (churned), incomplete and incomplete_expired subscriptions and metered prices. Discounts: forever coupons reduce it under both rules; repeating coupons still running at the snapshot (discount end null or later) under chartmogul only; once coupons never. Percent-off multiplies by (100 - p)/100, amount-off subtracts its amount per billing period normalised the same way, floored at 0; item-level discounts apply to the item, subscription-level ones to the counted total, shared across items in proportion to their MRR. Null when the amount cannot be known (mrr_status unknown: a tiered price without tiers, an unknown coupon, an amount-off coupon in another currency, or more than 10^32 a month). Computed as one exact fraction, rounded once, half-even, to 6 decimals.';
COMMENT ON COLUMN subscriptions_history.mrr_status IS 'Why the item contributes what it does to mrr under transform.mrr_rule: counted (active or past_due; may still be 0 for quantity 0 or a 100% discount), trialing, paused (Stripe status paused, or pause_collection under the stripe rule), churned (unpaid or canceled), incomplete (incomplete or incomplete_expired), metered, or unknown (mrr null).';
COMMENT ON COLUMN subscriptions_history.livemode IS 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.';
COMMENT ON COLUMN subscriptions_history.reporting_currency IS 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.';
COMMENT ON COLUMN subscriptions_history.unit_amount_reporting IS 'unit_amount converted to the reporting currency, rounded half-even to its exponent. Null unless fx_status is converted.';
COMMENT ON COLUMN subscriptions_history.mrr_reporting IS 'mrr converted to the reporting currency at the subscription''s creation date (or the run date, per fx.mrr_date), rounded half-even to the reporting currency''s exponent. Null unless fx_status is converted.';
COMMENT ON COLUMN subscriptions_history.fx_rate IS 'Reporting-currency units per one major unit of the item''s currency. Null unless fx_status is converted.';
COMMENT ON COLUMN subscriptions_history.fx_rate_date IS 'The ECB publication day of the rate used: the latest on or before the subscription''s creation date (or the run date, per fx.mrr_date). Null unless fx_status is converted.';
COMMENT ON COLUMN subscriptions_history.fx_status IS 'Whether the _reporting columns hold a conversion: converted; stale_rate (the latest rate on or before the date is older than fx.max_staleness_days); no_rate (no rate for the currency on or before the date, or conversion is off). The row is kept either way; the _reporting columns, fx_rate and fx_rate_date are null unless converted, and a later run with the rate converts it.';
COMMENT ON COLUMN subscriptions_history.fx_reason IS 'Why the row is not converted and how to fix it (which currency, date and latest rate); null when converted.';

-- invoice_lines: One row per invoice line (every line of every invoice, drafts included): subscription lines, prorations and one-off invoice items, each mapped on its own.
-- primary key: line_id, unique across all partitions
CREATE TABLE IF NOT EXISTS invoice_lines (
  line_id VARCHAR NOT NULL,
  invoice_id VARCHAR NOT NULL,
  invoice_number VARCHAR,
  invoice_status VARCHAR NOT NULL,
  customer_id VARCHAR NOT NULL,
  currency VARCHAR NOT NULL,
  document_date DATE NOT NULL,
  document_date_source VARCHAR NOT NULL,
  invoice_created_at TIMESTAMPTZ NOT NULL,
  finalized_at TIMESTAMPTZ,
  line_type VARCHAR NOT NULL,
  subscription_id VARCHAR,
  subscription_item_id VARCHAR,
  invoice_item_id VARCHAR,
  price_id VARCHAR,
  product_id VARCHAR,
  proration BOOLEAN NOT NULL,
  quantity BIGINT,
  quantity_decimal DECIMAL(38, 12),
  amount BIGINT NOT NULL,
  amount_major DECIMAL(22, 3) NOT NULL,
  amount_excluding_tax BIGINT NOT NULL,
  amount_excluding_tax_major DECIMAL(22, 3) NOT NULL,
  tax_amount BIGINT NOT NULL,
  tax_amount_major DECIMAL(22, 3) NOT NULL,
  tax_amount_inclusive BIGINT NOT NULL,
  tax_amount_exclusive BIGINT NOT NULL,
  discount_amount BIGINT NOT NULL,
  discount_amount_major DECIMAL(22, 3) NOT NULL,
  pretax_credit_amount BIGINT NOT NULL,
  period_start TIMESTAMPTZ,
  period_end TIMESTAMPTZ,
  description VARCHAR,
  livemode BOOLEAN NOT NULL,
  reporting_currency VARCHAR NOT NULL,
  amount_reporting DECIMAL(38, 3),
  amount_excluding_tax_reporting DECIMAL(38, 3),
  tax_amount_reporting DECIMAL(38, 3),
  discount_amount_reporting DECIMAL(38, 3),
  fx_rate DECIMAL(30, 12),
  fx_rate_date DATE,
  fx_status VARCHAR NOT NULL,
  fx_reason VARCHAR,
  document_month VARCHAR NOT NULL,
  PRIMARY KEY (line_id)
);
COMMENT ON TABLE invoice_lines IS 'One row per invoice line (every line of every invoice, drafts included): subscription lines, prorations and one-off invoice items, each mapped on its own.';
COMMENT ON COLUMN invoice_lines.line_id IS 'Stripe invoice line item id (il_...).';
COMMENT ON COLUMN invoice_lines.invoice_id IS 'Stripe invoice id (in_...).';
COMMENT ON COLUMN invoice_lines.invoice_number IS 'The invoice number; null for drafts, which have none yet.';
COMMENT ON COLUMN invoice_lines.invoice_status IS 'draft, open, paid, uncollectible or void, as of the run.';
COMMENT ON COLUMN invoice_lines.customer_id IS 'The invoiced customer (cus_...).';
COMMENT ON COLUMN invoice_lines.currency IS 'Lowercase ISO 4217 currency of the invoice.';
COMMENT ON COLUMN invoice_lines.document_date IS 'The invoice''s date (UTC): when it was finalized, else (drafts) when it was created.';
COMMENT ON COLUMN invoice_lines.document_date_source IS 'Which field document_date came from: finalized_at or created (drafts).';
COMMENT ON COLUMN invoice_lines.invoice_created_at IS 'When the invoice was created (UTC).';
COMMENT ON COLUMN invoice_lines.finalized_at IS 'When the invoice was finalized (UTC); null for drafts.';
COMMENT ON COLUMN invoice_lines.line_type IS 'subscription (a line generated by a subscription item) or invoice_item (a one-off or proration invoice item).';
COMMENT ON COLUMN invoice_lines.subscription_id IS 'The subscription this line belongs to (from the line itself, never guessed from the invoice): the branch of parent that parent.type names, else the pre-2025 field.';
COMMENT ON COLUMN invoice_lines.subscription_item_id IS 'The subscription item that generated the line.';
COMMENT ON COLUMN invoice_lines.invoice_item_id IS 'The invoice item behind the line (one-off items and prorations).';
COMMENT ON COLUMN invoice_lines.price_id IS 'The line''s price id.';
COMMENT ON COLUMN invoice_lines.product_id IS 'The product of the line''s price.';
COMMENT ON COLUMN invoice_lines.proration IS 'Whether the line is a proration: from the branch of parent that parent.type names (2025-03-31 shape) or the line itself (older shapes); false when neither carries it.';
COMMENT ON COLUMN invoice_lines.quantity IS 'Quantity billed.';
COMMENT ON COLUMN invoice_lines.quantity_decimal IS 'The line''s quantity with fractional precision (quantity_decimal, newer API versions), else quantity.';
COMMENT ON COLUMN invoice_lines.amount IS 'Stripe''s line amount in the currency''s minor unit: before discounts and without exclusive tax, including inclusive tax (negative for credits). Invoice subtotal = sum of amount; total = sum of amount - sum of discount_amount - sum of pretax_credit_amount + sum of tax_amount_exclusive.';
COMMENT ON COLUMN invoice_lines.amount_major IS 'amount in major units, exact, using the currency''s real exponent.';
COMMENT ON COLUMN invoice_lines.amount_excluding_tax IS 'amount less inclusive tax, in minor units (Stripe''s amount_excluding_tax where present, else amount minus the inclusive taxes).';
COMMENT ON COLUMN invoice_lines.amount_excluding_tax_major IS 'amount_excluding_tax in major units.';
COMMENT ON COLUMN invoice_lines.tax_amount IS 'Sum of the line''s tax amounts (inclusive and exclusive), minor units: tax_amount_inclusive + tax_amount_exclusive.';
COMMENT ON COLUMN invoice_lines.tax_amount_major IS 'tax_amount in major units.';
COMMENT ON COLUMN invoice_lines.tax_amount_inclusive IS 'Tax already included in amount (taxes with tax_behavior inclusive, or tax_amounts with inclusive true), minor units.';
COMMENT ON COLUMN invoice_lines.tax_amount_exclusive IS 'Tax added on top of amount (exclusive taxes), minor units: the invoice total adds it.';
COMMENT ON COLUMN invoice_lines.discount_amount IS 'Sum of the line''s discount amounts (discount_amounts), minor units; amount is before them.';
COMMENT ON COLUMN invoice_lines.discount_amount_major IS 'discount_amount in major units.';
COMMENT ON COLUMN invoice_lines.pretax_credit_amount IS 'Pre-tax credits on the line other than discounts (pretax_credit_amounts not of type discount, e.g. billing credit grants; API 2025-03-31 and later), minor units; 0 when none. Invoice total = sum of amount - sum of discount_amount - sum of pretax_credit_amount + sum of tax_amount_exclusive.';
COMMENT ON COLUMN invoice_lines.period_start IS 'Start of the period the line covers (UTC).';
COMMENT ON COLUMN invoice_lines.period_end IS 'End of the period the line covers (UTC).';
COMMENT ON COLUMN invoice_lines.description IS 'The line''s description as shown on the invoice.';
COMMENT ON COLUMN invoice_lines.livemode IS 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.';
COMMENT ON COLUMN invoice_lines.reporting_currency IS 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.';
COMMENT ON COLUMN invoice_lines.amount_reporting IS 'amount converted to the reporting currency at the document date, rounded half-even to the reporting currency''s exponent. Null unless fx_status is converted.';
COMMENT ON COLUMN invoice_lines.amount_excluding_tax_reporting IS 'amount_excluding_tax converted to the reporting currency at the document date. Null unless fx_status is converted.';
COMMENT ON COLUMN invoice_lines.tax_amount_reporting IS 'tax_amount converted to the reporting currency at the document date. Null unless fx_status is converted.';
COMMENT ON COLUMN invoice_lines.discount_amount_reporting IS 'discount_amount converted to the reporting currency at the document date. Null unless fx_status is converted.';
COMMENT ON COLUMN invoice_lines.fx_rate IS 'Reporting-currency units per one major unit of the invoice currency. Null unless fx_status is converted.';
COMMENT ON COLUMN invoice_lines.fx_rate_date IS 'The ECB publication day of the rate used: the latest on or before document_date. Null unless fx_status is converted.';
COMMENT ON COLUMN invoice_lines.fx_status IS 'Whether the _reporting columns hold a conversion: converted; stale_rate (the latest rate on or before the date is older than fx.max_staleness_days); no_rate (no rate for the currency on or before the date, or conversion is off). The row is kept either way; the _reporting columns, fx_rate and fx_rate_date are null unless converted, and a later run with the rate converts it.';
COMMENT ON COLUMN invoice_lines.fx_reason IS 'Why the row is not converted and how to fix it (which currency, date and latest rate); null when converted.';

-- credit_note_lines: One row per credit note line: what was credited against which invoice line, dated by the credit note's creation.
-- primary key: credit_note_line_id, unique across all partitions
CREATE TABLE IF NOT EXISTS credit_note_lines (
  credit_note_line_id VARCHAR NOT NULL,
  credit_note_id VARCHAR NOT NULL,
  credit_note_number VARCHAR,
  invoice_id VARCHAR NOT NULL,
  customer_id VARCHAR,
  status VARCHAR NOT NULL,
  reason VARCHAR,
  credit_note_date DATE NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  invoice_line_item_id VARCHAR,
  line_type VARCHAR NOT NULL,
  quantity BIGINT,
  currency VARCHAR NOT NULL,
  amount BIGINT NOT NULL,
  amount_major DECIMAL(22, 3) NOT NULL,
  amount_excluding_tax BIGINT NOT NULL,
  amount_excluding_tax_major DECIMAL(22, 3) NOT NULL,
  discount_amount BIGINT NOT NULL,
  discount_amount_major DECIMAL(22, 3) NOT NULL,
  discount_amount_temporary BIGINT,
  discount_amount_temporary_major DECIMAL(22, 3),
  discount_amount_permanent BIGINT,
  discount_amount_permanent_major DECIMAL(22, 3),
  tax_amount BIGINT NOT NULL,
  tax_amount_major DECIMAL(22, 3) NOT NULL,
  tax_amount_inclusive BIGINT NOT NULL,
  tax_amount_exclusive BIGINT NOT NULL,
  description VARCHAR,
  livemode BOOLEAN NOT NULL,
  reporting_currency VARCHAR NOT NULL,
  amount_reporting DECIMAL(38, 3),
  amount_excluding_tax_reporting DECIMAL(38, 3),
  discount_amount_reporting DECIMAL(38, 3),
  discount_amount_temporary_reporting DECIMAL(38, 3),
  discount_amount_permanent_reporting DECIMAL(38, 3),
  tax_amount_reporting DECIMAL(38, 3),
  fx_rate DECIMAL(30, 12),
  fx_rate_date DATE,
  fx_status VARCHAR NOT NULL,
  fx_reason VARCHAR,
  credit_note_month VARCHAR NOT NULL,
  PRIMARY KEY (credit_note_line_id)
);
COMMENT ON TABLE credit_note_lines IS 'One row per credit note line: what was credited against which invoice line, dated by the credit note''s creation.';
COMMENT ON COLUMN credit_note_lines.credit_note_line_id IS 'Stripe credit note line item id (cnli_...).';
COMMENT ON COLUMN credit_note_lines.credit_note_id IS 'Stripe credit note id (cn_...).';
COMMENT ON COLUMN credit_note_lines.credit_note_number IS 'The credit note''s number.';
COMMENT ON COLUMN credit_note_lines.invoice_id IS 'The invoice the credit note adjusts (in_...).';
COMMENT ON COLUMN credit_note_lines.customer_id IS 'The customer (cus_...).';
COMMENT ON COLUMN credit_note_lines.status IS 'issued or void.';
COMMENT ON COLUMN credit_note_lines.reason IS 'duplicate, fraudulent, order_change or product_unsatisfactory, when given.';
COMMENT ON COLUMN credit_note_lines.credit_note_date IS 'The credit note''s date (UTC): its creation.';
COMMENT ON COLUMN credit_note_lines.created_at IS 'When the credit note was created (UTC).';
COMMENT ON COLUMN credit_note_lines.invoice_line_item_id IS 'The invoice line credited (il_...); null for custom lines.';
COMMENT ON COLUMN credit_note_lines.line_type IS 'invoice_line_item or custom_line_item.';
COMMENT ON COLUMN credit_note_lines.quantity IS 'Quantity credited.';
COMMENT ON COLUMN credit_note_lines.currency IS 'Lowercase ISO 4217 currency of the credit note.';
COMMENT ON COLUMN credit_note_lines.amount IS 'Stripe''s line amount in minor units: the gross amount credited, before discounts and without exclusive tax (inclusive tax included). Credit note subtotal = sum of amount; total = sum of amount - sum of discount_amount + sum of tax_amount_exclusive.';
COMMENT ON COLUMN credit_note_lines.amount_major IS 'amount in major units, exact, using the currency''s real exponent.';
COMMENT ON COLUMN credit_note_lines.amount_excluding_tax IS 'amount less inclusive tax, in minor units (Stripe''s amount_excluding_tax where present, else amount minus the inclusive taxes). Credit note subtotal_excluding_tax = sum of amount_excluding_tax.';
COMMENT ON COLUMN credit_note_lines.amount_excluding_tax_major IS 'amount_excluding_tax in major units, exact.';
COMMENT ON COLUMN credit_note_lines.discount_amount IS 'Discount amount of the line in minor units (the sum of discount_amounts, else discount_amount); amount is before it.';
COMMENT ON COLUMN credit_note_lines.discount_amount_major IS 'discount_amount in major units.';
COMMENT ON COLUMN credit_note_lines.discount_amount_temporary IS 'Part of discount_amount from temporary coupons (duration once or repeating); each line discount''s coupon is resolved from the discount itself as the run''s invoices carry it (expanded), never from the subscription''s current discounts; null when any discount''s coupon is unknown to the run.';
COMMENT ON COLUMN credit_note_lines.discount_amount_temporary_major IS 'discount_amount_temporary in major units.';
COMMENT ON COLUMN credit_note_lines.discount_amount_permanent IS 'Part of discount_amount from permanent coupons (duration forever), resolved like discount_amount_temporary; null when any discount''s coupon is unknown to the run.';
COMMENT ON COLUMN credit_note_lines.discount_amount_permanent_major IS 'discount_amount_permanent in major units.';
COMMENT ON COLUMN credit_note_lines.tax_amount IS 'Sum of the line''s tax amounts (inclusive and exclusive), minor units: tax_amount_inclusive + tax_amount_exclusive.';
COMMENT ON COLUMN credit_note_lines.tax_amount_major IS 'tax_amount in major units.';
COMMENT ON COLUMN credit_note_lines.tax_amount_inclusive IS 'Tax already included in amount (taxes with tax_behavior inclusive, or tax_amounts with inclusive true), minor units.';
COMMENT ON COLUMN credit_note_lines.tax_amount_exclusive IS 'Tax added on top of amount (exclusive taxes), minor units: the credit note total adds it.';
COMMENT ON COLUMN credit_note_lines.description IS 'The line''s description.';
COMMENT ON COLUMN credit_note_lines.livemode IS 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.';
COMMENT ON COLUMN credit_note_lines.reporting_currency IS 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.';
COMMENT ON COLUMN credit_note_lines.amount_reporting IS 'amount converted to the reporting currency at the credit note''s date, rounded half-even to the reporting currency''s exponent. Null unless fx_status is converted.';
COMMENT ON COLUMN credit_note_lines.amount_excluding_tax_reporting IS 'amount_excluding_tax converted to the reporting currency at the credit note date. Null unless fx_status is converted.';
COMMENT ON COLUMN credit_note_lines.discount_amount_reporting IS 'discount_amount converted to the reporting currency at the credit note''s date. Null unless fx_status is converted.';
COMMENT ON COLUMN credit_note_lines.discount_amount_temporary_reporting IS 'discount_amount_temporary converted to the reporting currency. Null unless fx_status is converted.';
COMMENT ON COLUMN credit_note_lines.discount_amount_permanent_reporting IS 'discount_amount_permanent converted to the reporting currency. Null unless fx_status is converted.';
COMMENT ON COLUMN credit_note_lines.tax_amount_reporting IS 'tax_amount converted to the reporting currency at the credit note''s date. Null unless fx_status is converted.';
COMMENT ON COLUMN credit_note_lines.fx_rate IS 'Reporting-currency units per one major unit of the credit note''s currency. Null unless fx_status is converted.';
COMMENT ON COLUMN credit_note_lines.fx_rate_date IS 'The ECB publication day of the rate used: the latest on or before the credit note''s date. Null unless fx_status is converted.';
COMMENT ON COLUMN credit_note_lines.fx_status IS 'Whether the _reporting columns hold a conversion: converted; stale_rate (the latest rate on or before the date is older than fx.max_staleness_days); no_rate (no rate for the currency on or before the date, or conversion is off). The row is kept either way; the _reporting columns, fx_rate and fx_rate_date are null unless converted, and a later run with the rate converts it.';
COMMENT ON COLUMN credit_note_lines.fx_reason IS 'Why the row is not converted and how to fix it (which currency, date and latest rate); null when converted.';
