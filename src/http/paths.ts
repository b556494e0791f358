/** Where the MCP endpoint is served (both protocol eras, every auth mode). */
export const MCP_PATH = "/mcp";
