export declare function countTokens(value: unknown): number;
