/** What the server tells every agent at initialisation: the fire-and-forget pattern, briefly. */
export const SERVER_NAME = "ktrdr-mcp";
export const SERVER_VERSION = "0.1.0";

export const INSTRUCTIONS = [
  "KTRDR runs long operations (data loading, training, backtests) in the background; this server starts and manages them.",
  "1. Start: trigger_data_loading, start_training or start_backtest return an operation_id at once. " +
    "Tell the user and move on; do not poll in a loop.",
  "2. Check when it matters: get_operation_status(operation_id) shows progress, ETA and metrics.",
  "3. Finished (completed or failed): get_operation_results(operation_id). Cancel with cancel_operation.",
  "Cancelled or failed? get_operation_status says if it can resume; resume_operation continues it.",
  "Research cycles (KTRDR v2026: training, backtest, assessment in one): start_research.",
  "No operation_id in this conversation? list_operations(active_only=true) finds operations started earlier, by anyone.",
].join("\n");
