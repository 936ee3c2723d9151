import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020';

/**
 * Checks HTTP answers against an OpenAPI 3.1 document: swagger-parser validates the document
 * against the specification and resolves its $refs, ajv (JSON Schema 2020-12, OpenAPI 3.1's
 * dialect) validates each body against the schema the document gives for its status.
 */
export interface OpenApiCheck {
  /** Asserts that the document declares this answer and the body matches its schema; returns the parsed body. */
  answer(path: string, method: string, response: { status: number; contentType: string | null; body: string }): unknown;
  /** Asserts that `body` is a valid request body of the operation. */
  requestBody(path: string, method: string, body: unknown): void;
}

type Operation = {
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
};

export async function openApiCheck(document: object): Promise<OpenApiCheck> {
  // Both calls mutate their argument: give each its own copy.
  await SwaggerParser.validate(structuredClone(document) as never);
  const resolved = (await SwaggerParser.dereference(structuredClone(document) as never)) as unknown as { paths: Record<string, Record<string, Operation>> };
  // strictRequired off: an if/then may require a property its parent schema defines, which is valid JSON Schema.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
  const operation = (path: string, method: string) => {
    const op = resolved.paths[path]?.[method.toLowerCase()];
    assert.ok(op, `the OpenAPI document has no ${method} ${path}`);
    return op;
  };
  const validate = (schema: object, value: unknown, what: string) => {
    const check = ajv.compile(schema);
    assert.ok(check(value), `${what} does not match the OpenAPI document: ${ajv.errorsText(check.errors)}\n${JSON.stringify(value)}`);
  };
  return {
    answer(path, method, { status, contentType, body }) {
      const declared = operation(path, method).responses[String(status)];
      assert.ok(declared, `${method} ${path} answered ${status}, which the OpenAPI document does not declare: ${body}`);
      const media = declared.content?.['application/json'];
      assert.ok(media, `the OpenAPI document declares no JSON body for ${status}`);
      assert.match(contentType ?? '', /^application\/json\b/, `answer ${status} is not JSON`);
      const parsed: unknown = JSON.parse(body);
      validate(media.schema, parsed, `${method} ${path} → ${status}`);
      return parsed;
    },
    requestBody(path, method, body) {
      const media = operation(path, method).requestBody?.content['application/json'];
      assert.ok(media, `${method} ${path} has no JSON request body`);
      validate(media.schema, body, `the request body of ${method} ${path}`);
    },
  };
}
