/**
 * vgi-wire §4 record layouts as the specification writes them, shared by the schema unit
 * tests and the catalog tests against a real worker, so the transcription exists once.
 */

/** CatalogInfo (§4.1). */
export const CATALOG_INFO_SPEC = `
    name: utf8!
    implementation_version: utf8?
    data_version_spec: utf8?
    attach_option_specs: list<binary>!
    releases: list<struct<version: utf8!, released_at: timestamp[us, UTC]?, summary: utf8!, notes_url: utf8?>>!
    source_url: utf8?`;

/** CatalogAttachResult (§4.2). */
export const ATTACH_RESULT_SPEC = `
    attach_opaque_data: binary!
    supports_transactions: bool!
    supports_time_travel: bool!
    catalog_version_frozen: bool!
    catalog_version: int64!
    attach_opaque_data_required: bool!
    default_schema: utf8!
    settings: list<binary>!
    secret_types: list<binary>!
    attach_catalogs: list<binary>!
    comment: utf8?
    tags: map<utf8, utf8>!
    supports_column_statistics: bool!
    global_functions: list<binary>!
    global_function_prefix: utf8!
    resolved_data_version: utf8?
    resolved_implementation_version: utf8?`;

/** SchemaInfo (§4.5). */
export const SCHEMA_INFO_SPEC = `
    comment: utf8?
    tags: map<utf8, utf8>!
    attach_opaque_data: binary!
    path: list<utf8>!
    estimated_object_count: map<utf8, int64>?`;

/** FunctionInfo (§4.6). */
export const FUNCTION_INFO_SPEC = `
    comment: utf8?
    tags: map<utf8,utf8>!
    name: utf8!
    schema_path: list<utf8>!
    function_type: dict!
    arguments: binary!
    output_schema: binary!
    parameter_default_values: binary?
    stability: dict?
    null_handling: dict?
    argument_monotonicity: list<utf8>?
    description: utf8!
    examples: list<struct<sql: utf8!, description: utf8!, expected_output: utf8?>>!
    categories: list<utf8>!
    projection_pushdown: bool?
    filter_pushdown: bool?
    sampling_pushdown: bool?
    late_materialization: bool?
    filter_semantic_profiles: list<utf8>!
    additional_filter_functions: list<struct<namespace: utf8!, name: utf8!, version: uint64!>>!
    runtime_filter_algorithms: list<struct<namespace: utf8!, name: utf8!, version: uint64!>>!
    filter_evaluation_contexts: list<struct<profile: utf8!, provider_fingerprint: utf8?>>!
    order_preservation: dict?
    max_workers: int32?
    supports_batch_index: bool!
    supports_splits: bool!
    filters_exactly_applied: bool!
    supports_positions: bool!
    split_token_ttl_seconds: int64?
    partition_kind: dict!
    order_dependent: dict!
    distinct_dependent: dict!
    supports_window: bool!
    streaming_partitioned: bool!
    has_finalize: bool!
    source_order_dependent: bool!
    sink_order_dependent: bool!
    requires_input_batch_index: bool!
    input_from_args: bool!
    required_settings: list<utf8>!
    required_secrets: list<struct<secret_type: utf8!, scope: utf8?, secret_name: utf8?>>!`;
