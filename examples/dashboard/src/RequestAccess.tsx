import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorNote } from './ErrorNote';
import { formatDate } from './format';
import { graphql } from './gql';

/**
 * Asks the lead agency for a case's confidential tier (DOMAIN.md §9): the viewer sees the row, not the tier. The lead
 * agency's people grant it (a share) or decline it with a reason; the requester sees the state of their own request.
 */
const RequestCaseAccessMutation = graphql(`
  mutation RequestCaseAccess($caseId: ID!, $justification: String!) {
    requestCaseAccess(caseId: $caseId, justification: $justification) {
      id
      status
      createdAt
      declineReason
    }
  }
`);

/** The viewer's latest request about the case, as the board's query reads it (`Case.viewerAccessRequest`). */
export interface LatestAccessRequest {
  status: 'PENDING' | 'GRANTED' | 'DECLINED';
  createdAt: string;
  declineReason?: string | null;
}

const MAX_JUSTIFICATION = 2000;

export function RequestAccess({ caseId, reference, latest }: { caseId: string; reference: string; latest: LatestAccessRequest | null | undefined }) {
  const [open, setOpen] = useState(false);
  const [justification, setJustification] = useState('');
  const [{ fetching, error, data }, requestAccess] = useMutation(RequestCaseAccessMutation);
  // The answer of this page's own request, until the board reads the case again.
  const current = data?.requestCaseAccess ?? latest;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const text = justification.trim();
    if (!text) return;
    // The board's query names Case: urql's document cache reads it again after this mutation (the request's state).
    const result = await requestAccess({ caseId, justification: text }, { additionalTypenames: ['Case'] });
    if (!result.error) setOpen(false);
  }

  if (current?.status === 'PENDING') {
    return <div className="access-state" data-access="PENDING">Access requested {formatDate(current.createdAt)}: pending with the lead agency</div>;
  }
  return (
    <div className="request-access">
      {current?.status === 'DECLINED' && (
        <div className="access-state" data-access="DECLINED">
          Your request of {formatDate(current.createdAt)} was declined{current.declineReason ? `: ${current.declineReason}` : ''}
        </div>
      )}
      {!open ? (
        <button type="button" onClick={() => setOpen(true)}>
          Request access
        </button>
      ) : (
        <form onSubmit={submit} aria-label={`Request access to ${reference}`}>
          <label htmlFor={`why-${caseId}`}>Why you need {reference}'s confidential tier (the lead agency reads this)</label>
          <textarea
            id={`why-${caseId}`}
            rows={3}
            maxLength={MAX_JUSTIFICATION}
            value={justification}
            onChange={(e) => setJustification(e.target.value)}
          />
          <div>
            <button type="submit" disabled={fetching || !justification.trim()}>
              Send request
            </button>{' '}
            <button type="button" onClick={() => setOpen(false)} disabled={fetching}>
              Cancel
            </button>
          </div>
          {error && <ErrorNote error={error} />}
        </form>
      )}
    </div>
  );
}
