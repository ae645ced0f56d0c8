import type { z } from 'zod';

// The one mapping of a zod issue to what a person sees at an edge (ws frames, HTTP queries and
// bodies validated with zod): the field's dotted path and a Chinese message naming it.

/** `whole` names the input itself when the issue is at the top level ((frame), (query), (body)). */
export function describeIssue(issue: z.core.$ZodIssue, whole = '(frame)'): { field: string; message: string } {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const field = [...path, issue.keys[0]!].join('.');
    return { field, message: `不支持的字段 ${field}` };
  }
  const field = path.join('.') || whole;
  switch (issue.code) {
    case 'invalid_type':
      return {
        field,
        message: issue.input === undefined ? `缺少必填字段 ${field}` : `字段 ${field} 的类型不正确`,
      };
    case 'too_small':
      return {
        field,
        message:
          issue.origin === 'string' && issue.minimum === 1
            ? `字段 ${field} 不能为空`
            : `字段 ${field} 太短或太小`,
      };
    case 'too_big':
      return { field, message: `字段 ${field} 超过最大长度或数值 ${String(issue.maximum)}` };
    case 'invalid_format':
      return { field, message: `字段 ${field} 的格式不正确` };
    case 'invalid_value':
    case 'invalid_union':
      return { field, message: `字段 ${field} 的取值不在允许范围内` };
    default:
      return { field, message: `字段 ${field} 不符合要求` };
  }
}
