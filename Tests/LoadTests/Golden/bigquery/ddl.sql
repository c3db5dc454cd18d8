-- stripe-warehouse DDL (bigquery), generated from schemas/; safe to apply again.

-- customers: One row per customer (a snapshot per run). Listed customers come from the customers stream; a deleted customer that invoices, subscriptions or credit notes still name comes from the deletion stub the extract retrieves by id (id and deleted only), or from its customer.deleted event while the events stream holds one; other customers deleted since are added from customer.deleted events. Both have deleted = true.
-- primary key: customer_id, unique across all partitions
CREATE TABLE IF NOT EXISTS customers (
  customer_id STRING NOT NULL OPTIONS(description = 'Stripe customer id (cus_...).'),
  name STRING OPTIONS(description = 'Customer''s full name or business name.'),
  email STRING OPTIONS(description = 'Customer''s email address.'),
  country STRING OPTIONS(description = 'Two-letter country code of the billing address, else of the shipping address.'),
  postal_code STRING OPTIONS(description = 'Postal code of the billing address, else of the shipping address.'),
  created_at TIMESTAMP OPTIONS(description = 'When the customer was created (UTC); null only for a deleted customer known from a bare deletion stub.'),
  currency STRING OPTIONS(description = 'Default currency (lowercase ISO 4217) of the customer''s invoices, once set.'),
  delinquent BOOL OPTIONS(description = 'Whether the latest invoice or charge failed to be paid.'),
  livemode BOOL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode (others are rejected); null only for a bare deletion stub, which carries no mode.'),
  deleted BOOL NOT NULL OPTIONS(description = 'true when the customer was deleted (a deletion stub, or a customer.deleted event in the events stream).'),
  metadata STRING OPTIONS(description = 'The customer''s metadata object, verbatim.'),
  identity_key STRING NOT NULL OPTIONS(description = 'Key for joining other sources, chosen by the pipeline''s transform.identity_key (email, id or metadata.<field>); falls back to the customer id when that field is empty.'),
  identity_key_source STRING NOT NULL OPTIONS(description = 'Which field identity_key came from: email, metadata.<field> or id.'),
  snapshot_date DATE NOT NULL OPTIONS(description = 'Hive partition (snapshot) taken from the file path'),
  PRIMARY KEY (customer_id) NOT ENFORCED
)
OPTIONS(description = 'One row per customer (a snapshot per run). Listed customers come from the customers stream; a deleted customer that invoices, subscriptions or credit notes still name comes from the deletion stub the extract retrieves by id (id and deleted only), or from its customer.deleted event while the events stream holds one; other customers deleted since are added from customer.deleted events. Both have deleted = true.');

-- customers_history: Every loaded snapshot of customers (one per snapshot_date): One row per customer (a snapshot per run). Listed customers come from the customers stream; a deleted customer that invoices, subscriptions or credit notes still name comes from the deletion stub the extract retrieves by id (id and deleted only), or from its customer.deleted event while the events stream holds one; other customers deleted since are added from customer.deleted events. Both have deleted = true.
-- primary key: customer_id, snapshot_date, unique across all partitions
CREATE TABLE IF NOT EXISTS customers_history (
  customer_id STRING NOT NULL OPTIONS(description = 'Stripe customer id (cus_...).'),
  name STRING OPTIONS(description = 'Customer''s full name or business name.'),
  email STRING OPTIONS(description = 'Customer''s email address.'),
  country STRING OPTIONS(description = 'Two-letter country code of the billing address, else of the shipping address.'),
  postal_code STRING OPTIONS(description = 'Postal code of the billing address, else of the shipping address.'),
  created_at TIMESTAMP OPTIONS(description = 'When the customer was created (UTC); null only for a deleted customer known from a bare deletion stub.'),
  currency STRING OPTIONS(description = 'Default currency (lowercase ISO 4217) of the customer''s invoices, once set.'),
  delinquent BOOL OPTIONS(description = 'Whether the latest invoice or charge failed to be paid.'),
  livemode BOOL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode (others are rejected); null only for a bare deletion stub, which carries no mode.'),
  deleted BOOL NOT NULL OPTIONS(description = 'true when the customer was deleted (a deletion stub, or a customer.deleted event in the events stream).'),
  metadata STRING OPTIONS(description = 'The customer''s metadata object, verbatim.'),
  identity_key STRING NOT NULL OPTIONS(description = 'Key for joining other sources, chosen by the pipeline''s transform.identity_key (email, id or metadata.<field>); falls back to the customer id when that field is empty.'),
  identity_key_source STRING NOT NULL OPTIONS(description = 'Which field identity_key came from: email, metadata.<field> or id.'),
  snapshot_date DATE NOT NULL OPTIONS(description = 'Hive partition (snapshot) taken from the file path'),
  PRIMARY KEY (customer_id, snapshot_date) NOT ENFORCED
)
PARTITION BY snapshot_date
OPTIONS(description = 'Every loaded snapshot of customers (one per snapshot_date): One row per customer (a snapshot per run). Listed customers come from the customers stream; a deleted customer that invoices, subscriptions or credit notes still name comes from the deletion stub the extract retrieves by id (id and deleted only), or from its customer.deleted event while the events stream holds one; other customers deleted since are added from customer.deleted events. Both have deleted = true.');

-- prices: One row per price (a snapshot per run), active or archived, with its product's name. Plan-shaped objects (the legacy plans API) map to the same columns.
-- primary key: price_id, unique across all partitions
CREATE TABLE IF NOT EXISTS prices (
  price_id STRING NOT NULL OPTIONS(description = 'Stripe price id (price_...) or legacy plan id.'),
  product_id STRING NOT NULL OPTIONS(description = 'The product the price belongs to (prod_...).'),
  product_name STRING OPTIONS(description = 'The product''s name, joined from the products stream of the same run; null when the product is not in it.'),
  nickname STRING OPTIONS(description = 'The price''s nickname, else the legacy plan''s name.'),
  type STRING NOT NULL OPTIONS(description = 'one_time or recurring (legacy plans are recurring).'),
  recurring_interval STRING OPTIONS(description = 'Billing period unit: day, week, month or year; null for one-time prices.'),
  recurring_interval_count INT64 OPTIONS(description = 'Number of interval units per billing period (3 with month = quarterly).'),
  usage_type STRING OPTIONS(description = 'licensed (charged per quantity) or metered (charged per reported usage); null for one-time prices.'),
  billing_scheme STRING OPTIONS(description = 'per_unit or tiered.'),
  tiers_mode STRING OPTIONS(description = 'graduated or volume for tiered prices, else null.'),
  tiers STRING OPTIONS(description = 'Tiers of a tiered price ([{up_to, unit_amount, unit_amount_decimal, flat_amount, flat_amount_decimal}], ascending, the last up_to null; amounts in minor units), as Stripe returns them when expanded (the extract asks for expand[]=data.tiers); null for per-unit prices.'),
  transform_quantity STRING OPTIONS(description = 'transform_quantity ({divide_by, round}; transform_usage for legacy plans): the billed quantity is quantity / divide_by rounded up or down.'),
  currency STRING NOT NULL OPTIONS(description = 'Lowercase ISO 4217 currency of the price.'),
  unit_amount INT64 OPTIONS(description = 'Unit amount in the currency''s minor unit (cents; yen for JPY; fils for BHD); null for tiered and sub-minor-unit prices.'),
  unit_amount_major NUMERIC(22, 3) OPTIONS(description = 'unit_amount in major units, exact, using the currency''s real exponent (0 for JPY, 2 for EUR, 3 for BHD).'),
  unit_amount_decimal BIGNUMERIC(38, 12) OPTIONS(description = 'Unit amount in minor units with sub-minor-unit precision (Stripe''s unit_amount_decimal string).'),
  active BOOL NOT NULL OPTIONS(description = 'Whether the price can be used for new purchases (archived prices are false).'),
  livemode BOOL NOT NULL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.'),
  created_at TIMESTAMP NOT NULL OPTIONS(description = 'When the price was created (UTC).'),
  reporting_currency STRING NOT NULL OPTIONS(description = 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.'),
  unit_amount_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'unit_amount converted to the reporting currency at the price''s creation date, rounded half-even to the reporting currency''s exponent. Null unless fx_status is converted.'),
  fx_rate BIGNUMERIC(30, 12) OPTIONS(description = 'Reporting-currency units per one major unit of the price''s currency (ECB reference rates, cross rates through EUR; 1 for the reporting currency itself). Null unless fx_status is converted.'),
  fx_rate_date DATE OPTIONS(description = 'The ECB publication day of the rate used: the latest on or before the price''s creation date. Null unless fx_status is converted.'),
  fx_status STRING NOT NULL OPTIONS(description = 'Whether the _reporting columns hold a conversion: converted; stale_rate (the latest rate on or before the date is older than fx.max_staleness_days); no_rate (no rate for the currency on or before the date, or conversion is off). The row is kept either way; the _reporting columns, fx_rate and fx_rate_date are null unless converted, and a later run with the rate converts it.'),
  fx_reason STRING OPTIONS(description = 'Why the row is not converted and how to fix it (which currency, date and latest rate); null when converted.'),
  snapshot_date DATE NOT NULL OPTIONS(description = 'Hive partition (snapshot) taken from the file path'),
  PRIMARY KEY (price_id) NOT ENFORCED
)
OPTIONS(description = 'One row per price (a snapshot per run), active or archived, with its product''s name. Plan-shaped objects (the legacy plans API) map to the same columns.');

-- prices_history: Every loaded snapshot of prices (one per snapshot_date): One row per price (a snapshot per run), active or archived, with its product's name. Plan-shaped objects (the legacy plans API) map to the same columns.
-- primary key: price_id, snapshot_date, unique across all partitions
CREATE TABLE IF NOT EXISTS prices_history (
  price_id STRING NOT NULL OPTIONS(description = 'Stripe price id (price_...) or legacy plan id.'),
  product_id STRING NOT NULL OPTIONS(description = 'The product the price belongs to (prod_...).'),
  product_name STRING OPTIONS(description = 'The product''s name, joined from the products stream of the same run; null when the product is not in it.'),
  nickname STRING OPTIONS(description = 'The price''s nickname, else the legacy plan''s name.'),
  type STRING NOT NULL OPTIONS(description = 'one_time or recurring (legacy plans are recurring).'),
  recurring_interval STRING OPTIONS(description = 'Billing period unit: day, week, month or year; null for one-time prices.'),
  recurring_interval_count INT64 OPTIONS(description = 'Number of interval units per billing period (3 with month = quarterly).'),
  usage_type STRING OPTIONS(description = 'licensed (charged per quantity) or metered (charged per reported usage); null for one-time prices.'),
  billing_scheme STRING OPTIONS(description = 'per_unit or tiered.'),
  tiers_mode STRING OPTIONS(description = 'graduated or volume for tiered prices, else null.'),
  tiers STRING OPTIONS(description = 'Tiers of a tiered price ([{up_to, unit_amount, unit_amount_decimal, flat_amount, flat_amount_decimal}], ascending, the last up_to null; amounts in minor units), as Stripe returns them when expanded (the extract asks for expand[]=data.tiers); null for per-unit prices.'),
  transform_quantity STRING OPTIONS(description = 'transform_quantity ({divide_by, round}; transform_usage for legacy plans): the billed quantity is quantity / divide_by rounded up or down.'),
  currency STRING NOT NULL OPTIONS(description = 'Lowercase ISO 4217 currency of the price.'),
  unit_amount INT64 OPTIONS(description = 'Unit amount in the currency''s minor unit (cents; yen for JPY; fils for BHD); null for tiered and sub-minor-unit prices.'),
  unit_amount_major NUMERIC(22, 3) OPTIONS(description = 'unit_amount in major units, exact, using the currency''s real exponent (0 for JPY, 2 for EUR, 3 for BHD).'),
  unit_amount_decimal BIGNUMERIC(38, 12) OPTIONS(description = 'Unit amount in minor units with sub-minor-unit precision (Stripe''s unit_amount_decimal string).'),
  active BOOL NOT NULL OPTIONS(description = 'Whether the price can be used for new purchases (archived prices are false).'),
  livemode BOOL NOT NULL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.'),
  created_at TIMESTAMP NOT NULL OPTIONS(description = 'When the price was created (UTC).'),
  reporting_currency STRING NOT NULL OPTIONS(description = 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.'),
  unit_amount_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'unit_amount converted to the reporting currency at the price''s creation date, rounded half-even to the reporting currency''s exponent. Null unless fx_status is converted.'),
  fx_rate BIGNUMERIC(30, 12) OPTIONS(description = 'Reporting-currency units per one major unit of the price''s currency (ECB reference rates, cross rates through EUR; 1 for the reporting currency itself). Null unless fx_status is converted.'),
  fx_rate_date DATE OPTIONS(description = 'The ECB publication day of the rate used: the latest on or before the price''s creation date. Null unless fx_status is converted.'),
  fx_status STRING NOT NULL OPTIONS(description = 'Whether the _reporting columns hold a conversion: converted; stale_rate (the latest rate on or before the date is older than fx.max_staleness_days); no_rate (no rate for the currency on or before the date, or conversion is off). The row is kept either way; the _reporting columns, fx_rate and fx_rate_date are null unless converted, and a later run with the rate converts it.'),
  fx_reason STRING OPTIONS(description = 'Why the row is not converted and how to fix it (which currency, date and latest rate); null when converted.'),
  snapshot_date DATE NOT NULL OPTIONS(description = 'Hive partition (snapshot) taken from the file path'),
  PRIMARY KEY (price_id, snapshot_date) NOT ENFORCED
)
PARTITION BY snapshot_date
OPTIONS(description = 'Every loaded snapshot of prices (one per snapshot_date): One row per price (a snapshot per run), active or archived, with its product''s name. Plan-shaped objects (the legacy plans API) map to the same columns.');

-- subscriptions: One row per subscription item (a snapshot per run): the subscription's state, the item's price and quantity, discounts, and the item's monthly recurring revenue (MRR).
-- primary key: subscription_item_id, unique across all partitions
CREATE TABLE IF NOT EXISTS subscriptions (
  subscription_id STRING NOT NULL OPTIONS(description = 'Stripe subscription id (sub_...).'),
  subscription_item_id STRING NOT NULL OPTIONS(description = 'Stripe subscription item id (si_...); one row per item.'),
  customer_id STRING NOT NULL OPTIONS(description = 'The subscribed customer (cus_...).'),
  status STRING NOT NULL OPTIONS(description = 'Stripe''s status, except paused when pause_collection is set (Stripe reports those as active).'),
  stripe_status STRING NOT NULL OPTIONS(description = 'Stripe''s own status: incomplete, incomplete_expired, trialing, active, past_due, canceled, unpaid or paused.'),
  trial_start TIMESTAMP OPTIONS(description = 'Start of the trial, if any (UTC).'),
  trial_end TIMESTAMP OPTIONS(description = 'End of the trial, if any (UTC).'),
  created_at TIMESTAMP NOT NULL OPTIONS(description = 'When the subscription was created (UTC).'),
  start_date TIMESTAMP OPTIONS(description = 'When the subscription started (may precede created for backdated subscriptions).'),
  current_period_start TIMESTAMP OPTIONS(description = 'Start of the item''s current billing period (on the item since 2025-03-31, on the subscription before).'),
  current_period_end TIMESTAMP OPTIONS(description = 'End of the item''s current billing period (on the item since 2025-03-31, on the subscription before).'),
  cancel_at TIMESTAMP OPTIONS(description = 'Effective cancellation: cancel_at when scheduled, else the current period end when cancel_at_period_end is true, else null.'),
  canceled_at TIMESTAMP OPTIONS(description = 'When cancellation was requested (UTC).'),
  ended_at TIMESTAMP OPTIONS(description = 'When the subscription ended, if it has (UTC).'),
  cancel_at_period_end BOOL NOT NULL OPTIONS(description = 'Whether the subscription cancels at the end of the current period.'),
  price_id STRING NOT NULL OPTIONS(description = 'The item''s price (or legacy plan) id.'),
  product_id STRING OPTIONS(description = 'The product of the item''s price.'),
  currency STRING NOT NULL OPTIONS(description = 'Lowercase ISO 4217 currency of the item''s price (the subscription''s currency).'),
  recurring_interval STRING OPTIONS(description = 'Billing period unit of the item''s price: day, week, month or year.'),
  recurring_interval_count INT64 OPTIONS(description = 'Interval units per billing period of the item''s price.'),
  usage_type STRING OPTIONS(description = 'licensed or metered.'),
  quantity INT64 OPTIONS(description = 'Item quantity; null for metered items.'),
  transform_quantity STRING OPTIONS(description = 'The price''s transform_quantity ({divide_by, round}; plan.transform_usage for legacy plans): the billed quantity is quantity / divide_by rounded up or down.'),
  unit_amount INT64 OPTIONS(description = 'The price''s unit amount in minor units; null for tiered and sub-minor-unit prices.'),
  unit_amount_major NUMERIC(22, 3) OPTIONS(description = 'unit_amount in major units, exact, using the currency''s real exponent.'),
  unit_amount_decimal BIGNUMERIC(38, 12) OPTIONS(description = 'The price''s unit amount in minor units with sub-minor-unit precision.'),
  discounts STRING NOT NULL OPTIONS(description = 'Discounts on the subscription and on the item: [{discount, coupon, scope (subscription|item), duration (once|repeating|forever, null when the coupon is unknown), permanent (duration is forever), percent_off, amount_off, currency}], coupons resolved from the coupons stream.'),
  mrr BIGNUMERIC(38, 6) OPTIONS(description = 'Monthly recurring revenue of the item in major units of its currency, under transform.mrr_rule (stripe, the default, or chartmogul). Amount: unit amount x quantity (divided by price.transform_quantity.divide_by and rounded up or down when set), or the price''s tiers at the quantity (from the item''s price, else the prices stream''s expanded tiers), normalised to a month (day x 365/12, week x 52/12, month / interval_count, year / 12 / interval_count), excluding tax. Counted (see mrr_status): active and past_due subscriptions; under stripe not those with pause_collection, under chartmogul those too. 0 for trialing, paused, unpaid and canceled (churned), incomplete and incomplete_expired subscriptions and metered prices. Discounts: forever coupons reduce it under both rules; repeating coupons still running at the snapshot (discount end null or later) under chartmogul only; once coupons never. Percent-off multiplies by (100 - p)/100, amount-off subtracts its amount per billing period normalised the same way, floored at 0; item-level discounts apply to the item, subscription-level ones to the counted total, shared across items in proportion to their MRR. Null when the amount cannot be known (mrr_status unknown: a tiered price without tiers, an unknown coupon, an amount-off coupon in another currency, or more than 10^32 a month). Computed as one exact fraction, rounded once, half-even, to 6 decimals.'),
  mrr_status STRING NOT NULL OPTIONS(description = 'Why the item contributes what it does to mrr under transform.mrr_rule: counted (active or past_due; may still be 0 for quantity 0 or a 100% discount), trialing, paused (Stripe status paused, or pause_collection under the stripe rule), churned (unpaid or canceled), incomplete (incomplete or incomplete_expired), metered, or unknown (mrr null).'),
  livemode BOOL NOT NULL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.'),
  reporting_currency STRING NOT NULL OPTIONS(description = 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.'),
  unit_amount_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'unit_amount converted to the reporting currency, rounded half-even to its exponent. Null unless fx_status is converted.'),
  mrr_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'mrr converted to the reporting currency at the subscription''s creation date (or the run date, per fx.mrr_date), rounded half-even to the reporting currency''s exponent. Null unless fx_status is converted.'),
  fx_rate BIGNUMERIC(30, 12) OPTIONS(description = 'Reporting-currency units per one major unit of the item''s currency. Null unless fx_status is converted.'),
  fx_rate_date DATE OPTIONS(description = 'The ECB publication day of the rate used: the latest on or before the subscription''s creation date (or the run date, per fx.mrr_date). Null unless fx_status is converted.'),
  fx_status STRING NOT NULL OPTIONS(description = 'Whether the _reporting columns hold a conversion: converted; stale_rate (the latest rate on or before the date is older than fx.max_staleness_days); no_rate (no rate for the currency on or before the date, or conversion is off). The row is kept either way; the _reporting columns, fx_rate and fx_rate_date are null unless converted, and a later run with the rate converts it.'),
  fx_reason STRING OPTIONS(description = 'Why the row is not converted and how to fix it (which currency, date and latest rate); null when converted.'),
  snapshot_date DATE NOT NULL OPTIONS(description = 'Hive partition (snapshot) taken from the file path'),
  PRIMARY KEY (subscription_item_id) NOT ENFORCED
)
OPTIONS(description = 'One row per subscription item (a snapshot per run): the subscription''s state, the item''s price and quantity, discounts, and the item''s monthly recurring revenue (MRR).');

-- subscriptions_history: Every loaded snapshot of subscriptions (one per snapshot_date): One row per subscription item (a snapshot per run): the subscription's state, the item's price and quantity, discounts, and the item's monthly recurring revenue (MRR).
-- primary key: subscription_item_id, snapshot_date, unique across all partitions
CREATE TABLE IF NOT EXISTS subscriptions_history (
  subscription_id STRING NOT NULL OPTIONS(description = 'Stripe subscription id (sub_...).'),
  subscription_item_id STRING NOT NULL OPTIONS(description = 'Stripe subscription item id (si_...); one row per item.'),
  customer_id STRING NOT NULL OPTIONS(description = 'The subscribed customer (cus_...).'),
  status STRING NOT NULL OPTIONS(description = 'Stripe''s status, except paused when pause_collection is set (Stripe reports those as active).'),
  stripe_status STRING NOT NULL OPTIONS(description = 'Stripe''s own status: incomplete, incomplete_expired, trialing, active, past_due, canceled, unpaid or paused.'),
  trial_start TIMESTAMP OPTIONS(description = 'Start of the trial, if any (UTC).'),
  trial_end TIMESTAMP OPTIONS(description = 'End of the trial, if any (UTC).'),
  created_at TIMESTAMP NOT NULL OPTIONS(description = 'When the subscription was created (UTC).'),
  start_date TIMESTAMP OPTIONS(description = 'When the subscription started (may precede created for backdated subscriptions).'),
  current_period_start TIMESTAMP OPTIONS(description = 'Start of the item''s current billing period (on the item since 2025-03-31, on the subscription before).'),
  current_period_end TIMESTAMP OPTIONS(description = 'End of the item''s current billing period (on the item since 2025-03-31, on the subscription before).'),
  cancel_at TIMESTAMP OPTIONS(description = 'Effective cancellation: cancel_at when scheduled, else the current period end when cancel_at_period_end is true, else null.'),
  canceled_at TIMESTAMP OPTIONS(description = 'When cancellation was requested (UTC).'),
  ended_at TIMESTAMP OPTIONS(description = 'When the subscription ended, if it has (UTC).'),
  cancel_at_period_end BOOL NOT NULL OPTIONS(description = 'Whether the subscription cancels at the end of the current period.'),
  price_id STRING NOT NULL OPTIONS(description = 'The item''s price (or legacy plan) id.'),
  product_id STRING OPTIONS(description = 'The product of the item''s price.'),
  currency STRING NOT NULL OPTIONS(description = 'Lowercase ISO 4217 currency of the item''s price (the subscription''s currency).'),
  recurring_interval STRING OPTIONS(description = 'Billing period unit of the item''s price: day, week, month or year.'),
  recurring_interval_count INT64 OPTIONS(description = 'Interval units per billing period of the item''s price.'),
  usage_type STRING OPTIONS(description = 'licensed or metered.'),
  quantity INT64 OPTIONS(description = 'Item quantity; null for metered items.'),
  transform_quantity STRING OPTIONS(description = 'The price''s transform_quantity ({divide_by, round}; plan.transform_usage for legacy plans): the billed quantity is quantity / divide_by rounded up or down.'),
  unit_amount INT64 OPTIONS(description = 'The price''s unit amount in minor units; null for tiered and sub-minor-unit prices.'),
  unit_amount_major NUMERIC(22, 3) OPTIONS(description = 'unit_amount in major units, exact, using the currency''s real exponent.'),
  unit_amount_decimal BIGNUMERIC(38, 12) OPTIONS(description = 'The price''s unit amount in minor units with sub-minor-unit precision.'),
  discounts STRING NOT NULL OPTIONS(description = 'Discounts on the subscription and on the item: [{discount, coupon, scope (subscription|item), duration (once|repeating|forever, null when the coupon is unknown), permanent (duration is forever), percent_off, amount_off, currency}], coupons resolved from the coupons stream.'),
  mrr BIGNUMERIC(38, 6) OPTIONS(description = 'Monthly recurring revenue of the item in major units of its currency, under transform.mrr_rule (stripe, the default, or chartmogul). Amount: unit amount x quantity (divided by price.transform_quantity.divide_by and rounded up or down when set), or the price''s tiers at the quantity (from the item''s price, else the prices stream''s expanded tiers), normalised to a month (day x 365/12, week x 52/12, month / interval_count, year / 12 / interval_count), excluding tax. Counted (see mrr_status): active and past_due subscriptions; under stripe not those with pause_collection, under chartmogul those too. 0 for trialing, paused, unpaid and canceled (churned), incomplete and incomplete_expired subscriptions and metered prices. Discounts: forever coupons reduce it under both rules; repeating coupons still running at the snapshot (discount end null or later) under chartmogul only; once coupons never. Percent-off multiplies by (100 - p)/100, amount-off subtracts its amount per billing period normalised the same way, floored at 0; item-level discounts apply to the item, subscription-level ones to the counted total, shared across items in proportion to their MRR. Null when the amount cannot be known (mrr_status unknown: a tiered price without tiers, an unknown coupon, an amount-off coupon in another currency, or more than 10^32 a month). Computed as one exact fraction, rounded once, half-even, to 6 decimals.'),
  mrr_status STRING NOT NULL OPTIONS(description = 'Why the item contributes what it does to mrr under transform.mrr_rule: counted (active or past_due; may still be 0 for quantity 0 or a 100% discount), trialing, paused (Stripe status paused, or pause_collection under the stripe rule), churned (unpaid or canceled), incomplete (incomplete or incomplete_expired), metered, or unknown (mrr null).'),
  livemode BOOL NOT NULL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.'),
  reporting_currency STRING NOT NULL OPTIONS(description = 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.'),
  unit_amount_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'unit_amount converted to the reporting currency, rounded half-even to its exponent. Null unless fx_status is converted.'),
  mrr_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'mrr converted to the reporting currency at the subscription''s creation date (or the run date, per fx.mrr_date), rounded half-even to the reporting currency''s exponent. Null unless fx_status is converted.'),
  fx_rate BIGNUMERIC(30, 12) OPTIONS(description = 'Reporting-currency units per one major unit of the item''s currency. Null unless fx_status is converted.'),
  fx_rate_date DATE OPTIONS(description = 'The ECB publication day of the rate used: the latest on or before the subscription''s creation date (or the run date, per fx.mrr_date). Null unless fx_status is converted.'),
  fx_status STRING NOT NULL OPTIONS(description = 'Whether the _reporting columns hold a conversion: converted; stale_rate (the latest rate on or before the date is older than fx.max_staleness_days); no_rate (no rate for the currency on or before the date, or conversion is off). The row is kept either way; the _reporting columns, fx_rate and fx_rate_date are null unless converted, and a later run with the rate converts it.'),
  fx_reason STRING OPTIONS(description = 'Why the row is not converted and how to fix it (which currency, date and latest rate); null when converted.'),
  snapshot_date DATE NOT NULL OPTIONS(description = 'Hive partition (snapshot) taken from the file path'),
  PRIMARY KEY (subscription_item_id, snapshot_date) NOT ENFORCED
)
PARTITION BY snapshot_date
OPTIONS(description = 'Every loaded snapshot of subscriptions (one per snapshot_date): One row per subscription item (a snapshot per run): the subscription''s state, the item''s price and quantity, discounts, and the item''s monthly recurring revenue (MRR).');

-- invoice_lines: One row per invoice line (every line of every invoice, drafts included): subscription lines, prorations and one-off invoice items, each mapped on its own.
-- primary key: line_id, unique across all partitions
CREATE TABLE IF NOT EXISTS invoice_lines (
  line_id STRING NOT NULL OPTIONS(description = 'Stripe invoice line item id (il_...).'),
  invoice_id STRING NOT NULL OPTIONS(description = 'Stripe invoice id (in_...).'),
  invoice_number STRING OPTIONS(description = 'The invoice number; null for drafts, which have none yet.'),
  invoice_status STRING NOT NULL OPTIONS(description = 'draft, open, paid, uncollectible or void, as of the run.'),
  customer_id STRING NOT NULL OPTIONS(description = 'The invoiced customer (cus_...).'),
  currency STRING NOT NULL OPTIONS(description = 'Lowercase ISO 4217 currency of the invoice.'),
  document_date DATE NOT NULL OPTIONS(description = 'The invoice''s date (UTC): when it was finalized, else (drafts) when it was created.'),
  document_date_source STRING NOT NULL OPTIONS(description = 'Which field document_date came from: finalized_at or created (drafts).'),
  invoice_created_at TIMESTAMP NOT NULL OPTIONS(description = 'When the invoice was created (UTC).'),
  finalized_at TIMESTAMP OPTIONS(description = 'When the invoice was finalized (UTC); null for drafts.'),
  line_type STRING NOT NULL OPTIONS(description = 'subscription (a line generated by a subscription item) or invoice_item (a one-off or proration invoice item).'),
  subscription_id STRING OPTIONS(description = 'The subscription this line belongs to (from the line itself, never guessed from the invoice): the branch of parent that parent.type names, else the pre-2025 field.'),
  subscription_item_id STRING OPTIONS(description = 'The subscription item that generated the line.'),
  invoice_item_id STRING OPTIONS(description = 'The invoice item behind the line (one-off items and prorations).'),
  price_id STRING OPTIONS(description = 'The line''s price id.'),
  product_id STRING OPTIONS(description = 'The product of the line''s price.'),
  proration BOOL NOT NULL OPTIONS(description = 'Whether the line is a proration: from the branch of parent that parent.type names (2025-03-31 shape) or the line itself (older shapes); false when neither carries it.'),
  quantity INT64 OPTIONS(description = 'Quantity billed.'),
  quantity_decimal BIGNUMERIC(38, 12) OPTIONS(description = 'The line''s quantity with fractional precision (quantity_decimal, newer API versions), else quantity.'),
  amount INT64 NOT NULL OPTIONS(description = 'Stripe''s line amount in the currency''s minor unit: before discounts and without exclusive tax, including inclusive tax (negative for credits). Invoice subtotal = sum of amount; total = sum of amount - sum of discount_amount - sum of pretax_credit_amount + sum of tax_amount_exclusive.'),
  amount_major NUMERIC(22, 3) NOT NULL OPTIONS(description = 'amount in major units, exact, using the currency''s real exponent.'),
  amount_excluding_tax INT64 NOT NULL OPTIONS(description = 'amount less inclusive tax, in minor units (Stripe''s amount_excluding_tax where present, else amount minus the inclusive taxes).'),
  amount_excluding_tax_major NUMERIC(22, 3) NOT NULL OPTIONS(description = 'amount_excluding_tax in major units.'),
  tax_amount INT64 NOT NULL OPTIONS(description = 'Sum of the line''s tax amounts (inclusive and exclusive), minor units: tax_amount_inclusive + tax_amount_exclusive.'),
  tax_amount_major NUMERIC(22, 3) NOT NULL OPTIONS(description = 'tax_amount in major units.'),
  tax_amount_inclusive INT64 NOT NULL OPTIONS(description = 'Tax already included in amount (taxes with tax_behavior inclusive, or tax_amounts with inclusive true), minor units.'),
  tax_amount_exclusive INT64 NOT NULL OPTIONS(description = 'Tax added on top of amount (exclusive taxes), minor units: the invoice total adds it.'),
  discount_amount INT64 NOT NULL OPTIONS(description = 'Sum of the line''s discount amounts (discount_amounts), minor units; amount is before them.'),
  discount_amount_major NUMERIC(22, 3) NOT NULL OPTIONS(description = 'discount_amount in major units.'),
  pretax_credit_amount INT64 NOT NULL OPTIONS(description = 'Pre-tax credits on the line other than discounts (pretax_credit_amounts not of type discount, e.g. billing credit grants; API 2025-03-31 and later), minor units; 0 when none. Invoice total = sum of amount - sum of discount_amount - sum of pretax_credit_amount + sum of tax_amount_exclusive.'),
  period_start TIMESTAMP OPTIONS(description = 'Start of the period the line covers (UTC).'),
  period_end TIMESTAMP OPTIONS(description = 'End of the period the line covers (UTC).'),
  description STRING OPTIONS(description = 'The line''s description as shown on the invoice.'),
  livemode BOOL NOT NULL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.'),
  reporting_currency STRING NOT NULL OPTIONS(description = 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.'),
  amount_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'amount converted to the reporting currency at the document date, rounded half-even to the reporting currency''s exponent. Null unless fx_status is converted.'),
  amount_excluding_tax_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'amount_excluding_tax converted to the reporting currency at the document date. Null unless fx_status is converted.'),
  tax_amount_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'tax_amount converted to the reporting currency at the document date. Null unless fx_status is converted.'),
  discount_amount_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'discount_amount converted to the reporting currency at the document date. Null unless fx_status is converted.'),
  fx_rate BIGNUMERIC(30, 12) OPTIONS(description = 'Reporting-currency units per one major unit of the invoice currency. Null unless fx_status is converted.'),
  fx_rate_date DATE OPTIONS(description = 'The ECB publication day of the rate used: the latest on or before document_date. Null unless fx_status is converted.'),
  fx_status STRING NOT NULL OPTIONS(description = 'Whether the _reporting columns hold a conversion: converted; stale_rate (the latest rate on or before the date is older than fx.max_staleness_days); no_rate (no rate for the currency on or before the date, or conversion is off). The row is kept either way; the _reporting columns, fx_rate and fx_rate_date are null unless converted, and a later run with the rate converts it.'),
  fx_reason STRING OPTIONS(description = 'Why the row is not converted and how to fix it (which currency, date and latest rate); null when converted.'),
  document_month STRING NOT NULL OPTIONS(description = 'Hive partition (month) taken from the file path'),
  PRIMARY KEY (line_id) NOT ENFORCED
)
OPTIONS(description = 'One row per invoice line (every line of every invoice, drafts included): subscription lines, prorations and one-off invoice items, each mapped on its own.');

-- credit_note_lines: One row per credit note line: what was credited against which invoice line, dated by the credit note's creation.
-- primary key: credit_note_line_id, unique across all partitions
CREATE TABLE IF NOT EXISTS credit_note_lines (
  credit_note_line_id STRING NOT NULL OPTIONS(description = 'Stripe credit note line item id (cnli_...).'),
  credit_note_id STRING NOT NULL OPTIONS(description = 'Stripe credit note id (cn_...).'),
  credit_note_number STRING OPTIONS(description = 'The credit note''s number.'),
  invoice_id STRING NOT NULL OPTIONS(description = 'The invoice the credit note adjusts (in_...).'),
  customer_id STRING OPTIONS(description = 'The customer (cus_...).'),
  status STRING NOT NULL OPTIONS(description = 'issued or void.'),
  reason STRING OPTIONS(description = 'duplicate, fraudulent, order_change or product_unsatisfactory, when given.'),
  credit_note_date DATE NOT NULL OPTIONS(description = 'The credit note''s date (UTC): its creation.'),
  created_at TIMESTAMP NOT NULL OPTIONS(description = 'When the credit note was created (UTC).'),
  invoice_line_item_id STRING OPTIONS(description = 'The invoice line credited (il_...); null for custom lines.'),
  line_type STRING NOT NULL OPTIONS(description = 'invoice_line_item or custom_line_item.'),
  quantity INT64 OPTIONS(description = 'Quantity credited.'),
  currency STRING NOT NULL OPTIONS(description = 'Lowercase ISO 4217 currency of the credit note.'),
  amount INT64 NOT NULL OPTIONS(description = 'Stripe''s line amount in minor units: the gross amount credited, before discounts and without exclusive tax (inclusive tax included). Credit note subtotal = sum of amount; total = sum of amount - sum of discount_amount + sum of tax_amount_exclusive.'),
  amount_major NUMERIC(22, 3) NOT NULL OPTIONS(description = 'amount in major units, exact, using the currency''s real exponent.'),
  amount_excluding_tax INT64 NOT NULL OPTIONS(description = 'amount less inclusive tax, in minor units (Stripe''s amount_excluding_tax where present, else amount minus the inclusive taxes). Credit note subtotal_excluding_tax = sum of amount_excluding_tax.'),
  amount_excluding_tax_major NUMERIC(22, 3) NOT NULL OPTIONS(description = 'amount_excluding_tax in major units, exact.'),
  discount_amount INT64 NOT NULL OPTIONS(description = 'Discount amount of the line in minor units (the sum of discount_amounts, else discount_amount); amount is before it.'),
  discount_amount_major NUMERIC(22, 3) NOT NULL OPTIONS(description = 'discount_amount in major units.'),
  discount_amount_temporary INT64 OPTIONS(description = 'Part of discount_amount from temporary coupons (duration once or repeating); each line discount''s coupon is resolved from the discount itself as the run''s invoices carry it (expanded), never from the subscription''s current discounts; null when any discount''s coupon is unknown to the run.'),
  discount_amount_temporary_major NUMERIC(22, 3) OPTIONS(description = 'discount_amount_temporary in major units.'),
  discount_amount_permanent INT64 OPTIONS(description = 'Part of discount_amount from permanent coupons (duration forever), resolved like discount_amount_temporary; null when any discount''s coupon is unknown to the run.'),
  discount_amount_permanent_major NUMERIC(22, 3) OPTIONS(description = 'discount_amount_permanent in major units.'),
  tax_amount INT64 NOT NULL OPTIONS(description = 'Sum of the line''s tax amounts (inclusive and exclusive), minor units: tax_amount_inclusive + tax_amount_exclusive.'),
  tax_amount_major NUMERIC(22, 3) NOT NULL OPTIONS(description = 'tax_amount in major units.'),
  tax_amount_inclusive INT64 NOT NULL OPTIONS(description = 'Tax already included in amount (taxes with tax_behavior inclusive, or tax_amounts with inclusive true), minor units.'),
  tax_amount_exclusive INT64 NOT NULL OPTIONS(description = 'Tax added on top of amount (exclusive taxes), minor units: the credit note total adds it.'),
  description STRING OPTIONS(description = 'The line''s description.'),
  livemode BOOL NOT NULL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.'),
  reporting_currency STRING NOT NULL OPTIONS(description = 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.'),
  amount_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'amount converted to the reporting currency at the credit note''s date, rounded half-even to the reporting currency''s exponent. Null unless fx_status is converted.'),
  amount_excluding_tax_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'amount_excluding_tax converted to the reporting currency at the credit note date. Null unless fx_status is converted.'),
  discount_amount_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'discount_amount converted to the reporting currency at the credit note''s date. Null unless fx_status is converted.'),
  discount_amount_temporary_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'discount_amount_temporary converted to the reporting currency. Null unless fx_status is converted.'),
  discount_amount_permanent_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'discount_amount_permanent converted to the reporting currency. Null unless fx_status is converted.'),
  tax_amount_reporting BIGNUMERIC(38, 3) OPTIONS(description = 'tax_amount converted to the reporting currency at the credit note''s date. Null unless fx_status is converted.'),
  fx_rate BIGNUMERIC(30, 12) OPTIONS(description = 'Reporting-currency units per one major unit of the credit note''s currency. Null unless fx_status is converted.'),
  fx_rate_date DATE OPTIONS(description = 'The ECB publication day of the rate used: the latest on or before the credit note''s date. Null unless fx_status is converted.'),
  fx_status STRING NOT NULL OPTIONS(description = 'Whether the _reporting columns hold a conversion: converted; stale_rate (the latest rate on or before the date is older than fx.max_staleness_days); no_rate (no rate for the currency on or before the date, or conversion is off). The row is kept either way; the _reporting columns, fx_rate and fx_rate_date are null unless converted, and a later run with the rate converts it.'),
  fx_reason STRING OPTIONS(description = 'Why the row is not converted and how to fix it (which currency, date and latest rate); null when converted.'),
  credit_note_month STRING NOT NULL OPTIONS(description = 'Hive partition (month) taken from the file path'),
  PRIMARY KEY (credit_note_line_id) NOT ENFORCED
)
OPTIONS(description = 'One row per credit note line: what was credited against which invoice line, dated by the credit note''s creation.');
