/** Terraform reads every string as a template: `${` and `%{` doubled to `$${` and `%%{` stay text. */
export function escapeTemplate(value: string): string {
  return value.replace(/([$%])\{/g, '$1$1{');
}
