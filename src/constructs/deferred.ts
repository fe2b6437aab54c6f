import { IResolvable, Token } from 'cdktf';

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

  public readonly creationStack: string[] = [];

  private constructor(private readonly produce: () => unknown) {}

  public resolve(): unknown {
    return this.produce();
  }

  public toString(): string {
    return Token.asString(this);
  }
}
