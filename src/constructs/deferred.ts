import { IResolvable, TerraformVariable, Token } from 'cdktf';

/**
 * @internal A value computed at synth, as `Lazy.anyValue` / `Lazy.stringValue`
 * give, without the creation stack trace every Lazy captures for its error
 * messages: under ts-node that trace is source-mapped (the first one loads
 * cdktf's source maps, tenths of a second; see docs/performance.md).
 */
export class Deferred implements IResolvable {
  /** A token standing for the string `produce` returns at synth. */
  public static string(produce: () => string): string {
    return Token.asString(new Deferred(produce));
  }

  /** A token standing for the number (or the expression) `produce` returns at synth. */
  public static number(produce: () => number | string): number {
    return Token.asNumber(new Deferred(produce));
  }

  /**
   * `${var.<name>}` of `variable`, read at synth (a later `overrideLogicalId`
   * is honoured), for use in `variable`'s own stack: what `variable.stringValue`
   * renders there, without the stack trace each of its references captures
   * (source-mapped under ts-node: a millisecond or more each).
   */
  public static variable(variable: TerraformVariable): string {
    return Deferred.string(() => `\${var.${variable.friendlyUniqueId}}`);
  }

  /** {@link variable} as a number token, for a number attribute. */
  public static numberVariable(variable: TerraformVariable): number {
    return Deferred.number(() => `\${var.${variable.friendlyUniqueId}}`);
  }

  public readonly creationStack: string[] = [];

  private constructor(private readonly produce: () => unknown) {}

  public resolve(): unknown {
    return this.produce();
  }

  public toString(): string {
    return Token.asString(this);
  }
}
