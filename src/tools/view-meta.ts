/**
 * What the server tells the operation view (ui/operation-view) about a result, in the result's
 * `_meta["ktrdr/view"]` (hosts do not show `_meta` to the model, and it is in no output schema):
 * which kind of result it is, whether the caller may operate (cancel, resume), and the numbers the view would
 * otherwise have to read out of text. A leaf module (no imports), shared with the view.
 */
export const VIEW_META_KEY = "ktrdr/view";

/** Which kind of result the view is shown: a start, a status read, epoch metrics or results. */
export type ViewKind = "started" | "status" | "metrics" | "results";

/** Numbers a tool reports for the view beside its result (each present only when known). */
export interface ViewFacts {
  /** The epochs the training is planned to run (the y of KTRDR's "Epoch x/y"). */
  epochs_planned?: number;
  /** How many epochs KTRDR has metrics for (a concise metrics result shows the last few of them). */
  epochs_total?: number;
}

export interface ViewMeta extends ViewFacts {
  kind: ViewKind;
  /** The caller's credentials may operate — scope ktrdr:operate (the view offers Cancel and Resume only then). */
  canOperate: boolean;
}
