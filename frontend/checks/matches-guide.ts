// The generated types are exactly the guide's: same fields, same optional marks,
// same types. `tsc --noEmit` fails on any difference (a missing or extra field,
// `status?` for `status`, `string | null` for `string`, another status literal).
import type * as Generated from "../../sample_project/static/types";
import type * as Guide from "./guide-types";

// True only when A and B are the same type (optional marks and readonly included).
type Exactly<A, B> =
  (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

interface Row {
  id: number;
}

export const statusMatches: Exactly<Generated.AsyncOperationStatus, Guide.AsyncOperationStatus> =
  true;
export const taskConfigMatches: Exactly<Generated.AsyncTaskConfig, Guide.AsyncTaskConfig> = true;
export const messageMatches: Exactly<Generated.WebSocketMessage, Guide.WebSocketMessage> = true;
export const pageOfRowsMatches: Exactly<Generated.AsyncOrmResult<Row>, Guide.AsyncOrmResult<Row>> =
  true;
export const pageOfStringsMatches: Exactly<
  Generated.AsyncOrmResult<string>,
  Guide.AsyncOrmResult<string>
> = true;
