import { IConstruct } from 'constructs';
import { MstValidationError } from '../domain/findings';
import { checkAcknowledgement } from '../domain/validate';
import { Acknowledgement } from '../domain/model';
import { StackValidation } from './stack-validation';

const METADATA_TYPE = 'cdktf-mst:acknowledgement';
/** Set on a construct that holds acknowledgements, so the walk skips the metadata of the others (works across copies of the library). */
const ACKNOWLEDGED = Symbol.for('cdktf-mst.acknowledged');
const NONE: readonly Acknowledgement[] = [];

/**
 * Acknowledges warnings on a construct and everything below it, with a written
 * reason (the cdk-nag model). Errors cannot be acknowledged.
 *
 * @example
 * Acknowledgements.of(replicator).add('MST-USER-006', 'streams to the analytics replica');
 */
export class Acknowledgements {
  public static of(scope: IConstruct): Acknowledgements {
    return new Acknowledgements(scope);
  }

  /** Every acknowledgement made on `scope`, below it, or above it (the App's cover every stack). */
  public static collect(scope: IConstruct): Acknowledgement[] {
    return [...scope.node.scopes.slice(0, -1), ...scope.node.findAll()].flatMap((c) => Acknowledgements.on(c));
  }

  /** @internal The acknowledgements made on `construct` itself. */
  public static on(construct: IConstruct): readonly Acknowledgement[] {
    if (!(ACKNOWLEDGED in construct)) return NONE;
    const out: Acknowledgement[] = [];
    for (const m of construct.node.metadata) {
      if (m.type === METADATA_TYPE) out.push({ path: construct.node.path, ...(m.data as { ruleId: string; reason: string }) });
    }
    return out;
  }

  private constructor(private readonly scope: IConstruct) {}

  /** Acknowledges warning `ruleId` with `reason`; throws for an error rule, an unknown rule or an empty reason. */
  public add(ruleId: string, reason: string): this {
    const ack = { path: this.scope.node.path, ruleId, reason };
    const findings = checkAcknowledgement(ack);
    if (findings.length > 0) throw new MstValidationError(findings);
    this.scope.node.addMetadata(METADATA_TYPE, { ruleId, reason });
    Object.defineProperty(this.scope, ACKNOWLEDGED, { value: true, configurable: true });
    StackValidation.changed(this.scope);
    return this;
  }
}
