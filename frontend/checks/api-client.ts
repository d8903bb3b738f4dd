// A typed client of the sample project, written against the generated types:
// if a model changes, regenerating types.ts makes tsc point at every use that breaks.
// Each @ts-expect-error line must fail to type-check (tsc reports it if it ever passes),
// so these lines prove the types reject what the server would reject.
import type {
  AsyncOperationStatus,
  AsyncOrmResult,
  AsyncTaskConfig,
  Book,
  WebSocketMessage,
} from "../../sample_project/static/types";

export async function fetchBooks(page: number, size = 10): Promise<AsyncOrmResult<Book>> {
  const response = await fetch(`/api/books/?page=${page}&size=${size}`);
  if (!response.ok) throw new Error(`GET /api/books/ answered ${response.status}`);
  return (await response.json()) as AsyncOrmResult<Book>;
}

export function titles(page: AsyncOrmResult<Book>): string[] {
  return page.data.map((book) => `${book.title} (${book.author ?? "unknown author"})`);
}

export function isFinished(config: AsyncTaskConfig): boolean {
  const finished: AsyncOperationStatus[] = ["completed", "failed"];
  return finished.includes(config.status);
}

export const newTask: AsyncTaskConfig = { taskId: "report-01", status: "pending", timeout: 5 };

// @ts-expect-error: "done" is not one of the four statuses
export const unknownStatus: AsyncTaskConfig = { taskId: "report-02", status: "done" };

// @ts-expect-error: the wire format is camelCase (taskId), not task_id
export const snakeCase: AsyncTaskConfig = { task_id: "report-03", status: "pending" };

// @ts-expect-error: every frame needs a type
export const untyped: WebSocketMessage = { data: { text: "hello" } };
