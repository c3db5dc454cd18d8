#!/bin/sh
# stripe-warehouse load script (bigquery) for run 20250601T020000Z, snapshot 2025-06-01,
# reading warehouse version 20250601T020000Z. Apply after ddl: BUCKET=gs://bucket/prefix DATASET=project:dataset sh load.sh
# Re-applying it, or applying it after any other run's script, leaves every table equal to this run.
set -eu
: "${BUCKET:?set BUCKET=gs://bucket/prefix}"
: "${DATASET:?set DATASET=project:dataset}"
cd "$(dirname "$0")"
gsutil -m cp -r '/OUTPUT/.warehouse-versions/20250601T020000Z/customers' "$BUCKET/20250601T020000Z/"
gsutil -m cp -r '/OUTPUT/.warehouse-versions/20250601T020000Z/prices' "$BUCKET/20250601T020000Z/"
gsutil -m cp -r '/OUTPUT/.warehouse-versions/20250601T020000Z/subscriptions' "$BUCKET/20250601T020000Z/"
gsutil -m cp -r '/OUTPUT/.warehouse-versions/20250601T020000Z/invoice_lines' "$BUCKET/20250601T020000Z/"
gsutil -m cp -r '/OUTPUT/.warehouse-versions/20250601T020000Z/credit_note_lines' "$BUCKET/20250601T020000Z/"
bq load --source_format=PARQUET --replace --decimal_target_types=NUMERIC,BIGNUMERIC \
  --hive_partitioning_mode=CUSTOM --hive_partitioning_source_uri_prefix="$BUCKET/20250601T020000Z/customers/{snapshot_date:DATE}" \
  "$DATASET.customers" "$BUCKET/20250601T020000Z/customers/*" customers.schema.json
bq load --source_format=PARQUET --replace --decimal_target_types=NUMERIC,BIGNUMERIC \
  --hive_partitioning_mode=CUSTOM --hive_partitioning_source_uri_prefix="$BUCKET/20250601T020000Z/customers/{snapshot_date:DATE}" \
  "$DATASET.customers_history\$20250601" "$BUCKET/20250601T020000Z/customers/*" customers_history.schema.json
bq load --source_format=PARQUET --replace --decimal_target_types=NUMERIC,BIGNUMERIC \
  --hive_partitioning_mode=CUSTOM --hive_partitioning_source_uri_prefix="$BUCKET/20250601T020000Z/prices/{snapshot_date:DATE}" \
  "$DATASET.prices" "$BUCKET/20250601T020000Z/prices/*" prices.schema.json
bq load --source_format=PARQUET --replace --decimal_target_types=NUMERIC,BIGNUMERIC \
  --hive_partitioning_mode=CUSTOM --hive_partitioning_source_uri_prefix="$BUCKET/20250601T020000Z/prices/{snapshot_date:DATE}" \
  "$DATASET.prices_history\$20250601" "$BUCKET/20250601T020000Z/prices/*" prices_history.schema.json
bq load --source_format=PARQUET --replace --decimal_target_types=NUMERIC,BIGNUMERIC \
  --hive_partitioning_mode=CUSTOM --hive_partitioning_source_uri_prefix="$BUCKET/20250601T020000Z/subscriptions/{snapshot_date:DATE}" \
  "$DATASET.subscriptions" "$BUCKET/20250601T020000Z/subscriptions/*" subscriptions.schema.json
bq load --source_format=PARQUET --replace --decimal_target_types=NUMERIC,BIGNUMERIC \
  --hive_partitioning_mode=CUSTOM --hive_partitioning_source_uri_prefix="$BUCKET/20250601T020000Z/subscriptions/{snapshot_date:DATE}" \
  "$DATASET.subscriptions_history\$20250601" "$BUCKET/20250601T020000Z/subscriptions/*" subscriptions_history.schema.json
bq load --source_format=PARQUET --replace --decimal_target_types=NUMERIC,BIGNUMERIC \
  --hive_partitioning_mode=CUSTOM --hive_partitioning_source_uri_prefix="$BUCKET/20250601T020000Z/invoice_lines/{document_month:STRING}" \
  "$DATASET.invoice_lines" "$BUCKET/20250601T020000Z/invoice_lines/*" invoice_lines.schema.json
bq load --source_format=PARQUET --replace --decimal_target_types=NUMERIC,BIGNUMERIC \
  --hive_partitioning_mode=CUSTOM --hive_partitioning_source_uri_prefix="$BUCKET/20250601T020000Z/credit_note_lines/{credit_note_month:STRING}" \
  "$DATASET.credit_note_lines" "$BUCKET/20250601T020000Z/credit_note_lines/*" credit_note_lines.schema.json
