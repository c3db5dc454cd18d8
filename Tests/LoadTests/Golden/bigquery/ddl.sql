-- stripe-warehouse DDL (bigquery), generated from schemas/; safe to apply again.

-- customers: One row per customer (a snapshot per run). Listed customers come from the customers stream; customers deleted since are added from customer.deleted events with deleted = true.
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
OPTIONS(description = 'One row per customer (a snapshot per run). Listed customers come from the customers stream; customers deleted since are added from customer.deleted events with deleted = true.');

-- customers_history: Every loaded snapshot of customers (one per snapshot_date): One row per customer (a snapshot per run). Listed customers come from the customers stream; customers deleted since are added from customer.deleted events with deleted = true.
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
OPTIONS(description = 'Every loaded snapshot of customers (one per snapshot_date): One row per customer (a snapshot per run). Listed customers come from the customers stream; customers deleted since are added from customer.deleted events with deleted = true.');

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
  currency STRING NOT NULL OPTIONS(description = 'Lowercase ISO 4217 currency of the price.'),
  unit_amount INT64 OPTIONS(description = 'Unit amount in the currency''s minor unit (cents; yen for JPY; fils for BHD); null for tiered and sub-minor-unit prices.'),
  unit_amount_major NUMERIC(18, 3) OPTIONS(description = 'unit_amount in major units, exact, using the currency''s real exponent (0 for JPY, 2 for EUR, 3 for BHD).'),
  unit_amount_decimal BIGNUMERIC(30, 12) OPTIONS(description = 'Unit amount in minor units with sub-minor-unit precision (Stripe''s unit_amount_decimal string).'),
  active BOOL NOT NULL OPTIONS(description = 'Whether the price can be used for new purchases (archived prices are false).'),
  livemode BOOL NOT NULL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.'),
  created_at TIMESTAMP NOT NULL OPTIONS(description = 'When the price was created (UTC).'),
  reporting_currency STRING NOT NULL OPTIONS(description = 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.'),
  unit_amount_reporting NUMERIC(18, 3) OPTIONS(description = 'unit_amount converted to the reporting currency at the price''s creation date, rounded half-even to the reporting currency''s exponent.'),
  fx_rate BIGNUMERIC(30, 12) NOT NULL OPTIONS(description = 'Reporting-currency units per one major unit of the price''s currency (ECB reference rates, cross rates through EUR; 1 for the reporting currency itself).'),
  fx_rate_date DATE NOT NULL OPTIONS(description = 'The ECB publication day of the rate used: the latest on or before the price''s creation date.'),
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
  currency STRING NOT NULL OPTIONS(description = 'Lowercase ISO 4217 currency of the price.'),
  unit_amount INT64 OPTIONS(description = 'Unit amount in the currency''s minor unit (cents; yen for JPY; fils for BHD); null for tiered and sub-minor-unit prices.'),
  unit_amount_major NUMERIC(18, 3) OPTIONS(description = 'unit_amount in major units, exact, using the currency''s real exponent (0 for JPY, 2 for EUR, 3 for BHD).'),
  unit_amount_decimal BIGNUMERIC(30, 12) OPTIONS(description = 'Unit amount in minor units with sub-minor-unit precision (Stripe''s unit_amount_decimal string).'),
  active BOOL NOT NULL OPTIONS(description = 'Whether the price can be used for new purchases (archived prices are false).'),
  livemode BOOL NOT NULL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.'),
  created_at TIMESTAMP NOT NULL OPTIONS(description = 'When the price was created (UTC).'),
  reporting_currency STRING NOT NULL OPTIONS(description = 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.'),
  unit_amount_reporting NUMERIC(18, 3) OPTIONS(description = 'unit_amount converted to the reporting currency at the price''s creation date, rounded half-even to the reporting currency''s exponent.'),
  fx_rate BIGNUMERIC(30, 12) NOT NULL OPTIONS(description = 'Reporting-currency units per one major unit of the price''s currency (ECB reference rates, cross rates through EUR; 1 for the reporting currency itself).'),
  fx_rate_date DATE NOT NULL OPTIONS(description = 'The ECB publication day of the rate used: the latest on or before the price''s creation date.'),
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
  unit_amount INT64 OPTIONS(description = 'The price''s unit amount in minor units; null for tiered and sub-minor-unit prices.'),
  unit_amount_major NUMERIC(18, 3) OPTIONS(description = 'unit_amount in major units, exact, using the currency''s real exponent.'),
  unit_amount_decimal BIGNUMERIC(30, 12) OPTIONS(description = 'The price''s unit amount in minor units with sub-minor-unit precision.'),
  discounts STRING NOT NULL OPTIONS(description = 'Discounts on the subscription and on the item: [{discount, coupon, scope (subscription|item), duration (once|repeating|forever, null when the coupon is unknown), permanent (duration is forever), percent_off, amount_off, currency}], coupons resolved from the coupons stream.'),
  mrr NUMERIC(18, 6) OPTIONS(description = 'Monthly recurring revenue of the item in major units of its currency: unit amount x quantity normalised to a month (day x 365/12, week x 52/12, month / interval_count, year / 12 / interval_count), net of permanent (forever) percent-off and amount-off discounts (subscription-level amounts shared across items in proportion to their MRR), floored at 0; 0 when trialing, canceled, incomplete, incomplete_expired or metered; null when the amount cannot be known (tiered price without tiers). Exact, rounded half-even to 6 decimals.'),
  livemode BOOL NOT NULL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.'),
  reporting_currency STRING NOT NULL OPTIONS(description = 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.'),
  unit_amount_reporting NUMERIC(18, 3) OPTIONS(description = 'unit_amount converted to the reporting currency, rounded half-even to its exponent.'),
  mrr_reporting NUMERIC(18, 3) OPTIONS(description = 'mrr converted to the reporting currency at the subscription''s creation date (or the run date, per fx.mrr_date), rounded half-even to the reporting currency''s exponent.'),
  fx_rate BIGNUMERIC(30, 12) NOT NULL OPTIONS(description = 'Reporting-currency units per one major unit of the item''s currency.'),
  fx_rate_date DATE NOT NULL OPTIONS(description = 'The ECB publication day of the rate used: the latest on or before the subscription''s creation date (or the run date, per fx.mrr_date).'),
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
  unit_amount INT64 OPTIONS(description = 'The price''s unit amount in minor units; null for tiered and sub-minor-unit prices.'),
  unit_amount_major NUMERIC(18, 3) OPTIONS(description = 'unit_amount in major units, exact, using the currency''s real exponent.'),
  unit_amount_decimal BIGNUMERIC(30, 12) OPTIONS(description = 'The price''s unit amount in minor units with sub-minor-unit precision.'),
  discounts STRING NOT NULL OPTIONS(description = 'Discounts on the subscription and on the item: [{discount, coupon, scope (subscription|item), duration (once|repeating|forever, null when the coupon is unknown), permanent (duration is forever), percent_off, amount_off, currency}], coupons resolved from the coupons stream.'),
  mrr NUMERIC(18, 6) OPTIONS(description = 'Monthly recurring revenue of the item in major units of its currency: unit amount x quantity normalised to a month (day x 365/12, week x 52/12, month / interval_count, year / 12 / interval_count), net of permanent (forever) percent-off and amount-off discounts (subscription-level amounts shared across items in proportion to their MRR), floored at 0; 0 when trialing, canceled, incomplete, incomplete_expired or metered; null when the amount cannot be known (tiered price without tiers). Exact, rounded half-even to 6 decimals.'),
  livemode BOOL NOT NULL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.'),
  reporting_currency STRING NOT NULL OPTIONS(description = 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.'),
  unit_amount_reporting NUMERIC(18, 3) OPTIONS(description = 'unit_amount converted to the reporting currency, rounded half-even to its exponent.'),
  mrr_reporting NUMERIC(18, 3) OPTIONS(description = 'mrr converted to the reporting currency at the subscription''s creation date (or the run date, per fx.mrr_date), rounded half-even to the reporting currency''s exponent.'),
  fx_rate BIGNUMERIC(30, 12) NOT NULL OPTIONS(description = 'Reporting-currency units per one major unit of the item''s currency.'),
  fx_rate_date DATE NOT NULL OPTIONS(description = 'The ECB publication day of the rate used: the latest on or before the subscription''s creation date (or the run date, per fx.mrr_date).'),
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
  subscription_id STRING OPTIONS(description = 'The subscription this line belongs to (from the line itself, never guessed from the invoice).'),
  subscription_item_id STRING OPTIONS(description = 'The subscription item that generated the line.'),
  invoice_item_id STRING OPTIONS(description = 'The invoice item behind the line (one-off items and prorations).'),
  price_id STRING OPTIONS(description = 'The line''s price id.'),
  product_id STRING OPTIONS(description = 'The product of the line''s price.'),
  proration BOOL NOT NULL OPTIONS(description = 'Whether the line is a proration.'),
  quantity INT64 OPTIONS(description = 'Quantity billed.'),
  amount INT64 NOT NULL OPTIONS(description = 'Line amount in the currency''s minor unit, before discounts (negative for credits); includes tax only when the tax is inclusive.'),
  amount_major NUMERIC(18, 3) NOT NULL OPTIONS(description = 'amount in major units, exact, using the currency''s real exponent.'),
  amount_excluding_tax INT64 NOT NULL OPTIONS(description = 'amount less inclusive tax, in minor units (Stripe''s amount_excluding_tax where present, else amount minus the inclusive taxes).'),
  amount_excluding_tax_major NUMERIC(18, 3) NOT NULL OPTIONS(description = 'amount_excluding_tax in major units.'),
  tax_amount INT64 NOT NULL OPTIONS(description = 'Sum of the line''s tax amounts (inclusive and exclusive), minor units.'),
  tax_amount_major NUMERIC(18, 3) NOT NULL OPTIONS(description = 'tax_amount in major units.'),
  discount_amount INT64 NOT NULL OPTIONS(description = 'Sum of the line''s discount amounts, minor units.'),
  discount_amount_major NUMERIC(18, 3) NOT NULL OPTIONS(description = 'discount_amount in major units.'),
  period_start TIMESTAMP OPTIONS(description = 'Start of the period the line covers (UTC).'),
  period_end TIMESTAMP OPTIONS(description = 'End of the period the line covers (UTC).'),
  description STRING OPTIONS(description = 'The line''s description as shown on the invoice.'),
  livemode BOOL NOT NULL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.'),
  reporting_currency STRING NOT NULL OPTIONS(description = 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.'),
  amount_reporting NUMERIC(18, 3) NOT NULL OPTIONS(description = 'amount converted to the reporting currency at the document date, rounded half-even to the reporting currency''s exponent.'),
  amount_excluding_tax_reporting NUMERIC(18, 3) NOT NULL OPTIONS(description = 'amount_excluding_tax converted to the reporting currency at the document date.'),
  tax_amount_reporting NUMERIC(18, 3) NOT NULL OPTIONS(description = 'tax_amount converted to the reporting currency at the document date.'),
  discount_amount_reporting NUMERIC(18, 3) NOT NULL OPTIONS(description = 'discount_amount converted to the reporting currency at the document date.'),
  fx_rate BIGNUMERIC(30, 12) NOT NULL OPTIONS(description = 'Reporting-currency units per one major unit of the invoice currency.'),
  fx_rate_date DATE NOT NULL OPTIONS(description = 'The ECB publication day of the rate used: the latest on or before document_date.'),
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
  amount INT64 NOT NULL OPTIONS(description = 'Amount credited by the line in minor units, including exclusive tax, net of discounts.'),
  amount_major NUMERIC(18, 3) NOT NULL OPTIONS(description = 'amount in major units, exact, using the currency''s real exponent.'),
  discount_amount INT64 NOT NULL OPTIONS(description = 'Discount amount of the line in minor units (the sum of discount_amounts).'),
  discount_amount_major NUMERIC(18, 3) NOT NULL OPTIONS(description = 'discount_amount in major units.'),
  discount_amount_temporary INT64 OPTIONS(description = 'Part of discount_amount from temporary coupons (duration once or repeating); null when any discount''s coupon is unknown to the run.'),
  discount_amount_temporary_major NUMERIC(18, 3) OPTIONS(description = 'discount_amount_temporary in major units.'),
  discount_amount_permanent INT64 OPTIONS(description = 'Part of discount_amount from permanent coupons (duration forever); null when any discount''s coupon is unknown to the run.'),
  discount_amount_permanent_major NUMERIC(18, 3) OPTIONS(description = 'discount_amount_permanent in major units.'),
  tax_amount INT64 NOT NULL OPTIONS(description = 'Sum of the line''s tax amounts, minor units.'),
  tax_amount_major NUMERIC(18, 3) NOT NULL OPTIONS(description = 'tax_amount in major units.'),
  description STRING OPTIONS(description = 'The line''s description.'),
  livemode BOOL NOT NULL OPTIONS(description = 'true for live-mode objects, false for test mode; always equals the pipeline''s mode.'),
  reporting_currency STRING NOT NULL OPTIONS(description = 'The pipeline''s reporting currency (lowercase), which the _reporting columns are in.'),
  amount_reporting NUMERIC(18, 3) NOT NULL OPTIONS(description = 'amount converted to the reporting currency at the credit note''s date, rounded half-even to the reporting currency''s exponent.'),
  discount_amount_reporting NUMERIC(18, 3) NOT NULL OPTIONS(description = 'discount_amount converted to the reporting currency at the credit note''s date.'),
  discount_amount_temporary_reporting NUMERIC(18, 3) OPTIONS(description = 'discount_amount_temporary converted to the reporting currency.'),
  discount_amount_permanent_reporting NUMERIC(18, 3) OPTIONS(description = 'discount_amount_permanent converted to the reporting currency.'),
  tax_amount_reporting NUMERIC(18, 3) NOT NULL OPTIONS(description = 'tax_amount converted to the reporting currency at the credit note''s date.'),
  fx_rate BIGNUMERIC(30, 12) NOT NULL OPTIONS(description = 'Reporting-currency units per one major unit of the credit note''s currency.'),
  fx_rate_date DATE NOT NULL OPTIONS(description = 'The ECB publication day of the rate used: the latest on or before the credit note''s date.'),
  credit_note_month STRING NOT NULL OPTIONS(description = 'Hive partition (month) taken from the file path'),
  PRIMARY KEY (credit_note_line_id) NOT ENFORCED
)
OPTIONS(description = 'One row per credit note line: what was credited against which invoice line, dated by the credit note''s creation.');
