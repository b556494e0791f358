/**
 * The tools' names, each written once. The tool definitions take their `name` from here, and so
 * does the operation view (ui/operation-view) for the tools it calls, so a rename is one edit.
 * A leaf module (no imports): the view's bundle takes only these strings.
 */
export const TRIGGER_DATA_LOADING = "trigger_data_loading";
export const GET_MARKET_DATA = "get_market_data";
export const GET_DATA_SUMMARY = "get_data_summary";
export const START_TRAINING = "start_training";
export const START_BACKTEST = "start_backtest";
export const GET_MODEL_PERFORMANCE = "get_model_performance";
export const START_RESEARCH = "start_research";
export const LIST_OPERATIONS = "list_operations";
export const GET_OPERATION_STATUS = "get_operation_status";
export const CANCEL_OPERATION = "cancel_operation";
export const RESUME_OPERATION = "resume_operation";
export const GET_OPERATION_RESULTS = "get_operation_results";
export const GET_OPERATION_METRICS = "get_operation_metrics";
export const CHECK_BACKEND_HEALTH = "check_backend_health";
export const GET_AVAILABLE_SYMBOLS = "get_available_symbols";
export const GET_AVAILABLE_INDICATORS = "get_available_indicators";
export const GET_AVAILABLE_STRATEGIES = "get_available_strategies";
