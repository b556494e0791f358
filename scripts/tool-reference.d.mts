export declare const BEGIN: string;
export declare const END: string;
export declare function renderToolReference(catalogue: unknown): string;
export declare function readmeWithReference(readme: string, catalogue: unknown): string;
