// The guide's four TypeScript declarations, copied verbatim from
// django-5.2-async-guide.md, section "Data Models (Pydantic 2 & TypeScript)".
// matches-guide.ts checks that the generated sample_project/static/types.ts declares exactly these
// types, and tests/tooling/test_typescript.py compares them field by field.

export type AsyncOperationStatus = 
    | "pending" 
    | "in_progress" 
    | "completed" 
    | "failed";

export interface AsyncTaskConfig {
    taskId: string;
    timeout?: number; // 1-300 seconds
    retryCount?: number; // 0-10 retries
    concurrentLimit?: number; // 1-50 concurrent
    status: AsyncOperationStatus;
}

export interface WebSocketMessage {
    type: string;
    data?: Record<string, any>;
    timestamp?: string;
    room?: string;
}

export interface AsyncOrmResult<T> {
    data: T[];
    count: number;
    hasNext: boolean;
    executionTime: number;
}
