import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorNote } from './ErrorNote';
import { formatDate } from './format';
import { graphql } from './gql';

/**
 * Asks the lead agency for a case's confidential tier (DOMAIN.md §9): the viewer sees the row, not the tier. The lead
 * agency's people grant it (a share) or decline it with a reason; the requester sees the state of their own request and
 * may withdraw it while it is pending (then ask again).
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

const WithdrawCaseAccessRequestMutation = graphql(`
  mutation WithdrawCaseAccessRequest($id: ID!) {
    withdrawCaseAccessRequest(id: $id) {
      id
      status
      createdAt
      declineReason
    }
  }
`);

/** The viewer's latest request about the case, as the board's query reads it (`Case.viewerAccessRequest`). */
export interface LatestAccessRequest {
  id: string;
  status: 'PENDING' | 'GRANTED' | 'DECLINED' | 'WITHDRAWN';
  createdAt: string;
  declineReason?: string | null;
}

const MAX_JUSTIFICATION = 2000;

export function RequestAccess({ caseId, reference, latest }: { caseId: string; reference: string; latest: LatestAccessRequest | null | undefined }) {
  const [open, setOpen] = useState(false);
  const [justification, setJustification] = useState('');
  const [{ fetching, error, data }, requestAccess] = useMutation(RequestCaseAccessMutation);
  const [withdrawal, withdraw] = useMutation(WithdrawCaseAccessRequestMutation);
  // The answer of this page's own request or withdrawal, until the board reads the case again.
  const current = data?.requestCaseAccess ?? latest;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const text = justification.trim();
    if (!text) return;
    // The board's query names Case: urql's document cache reads it again after this mutation (the request's state).
    const result = await requestAccess({ caseId, justification: text }, { additionalTypenames: ['Case'] });
    if (!result.error) setOpen(false);
  }

  async function withdrawPending(id: string) {
    // As for a request: the board's query reads the case again (its latest request is now the withdrawn one).
    await withdraw({ id }, { additionalTypenames: ['Case'] });
  }

  if (current?.status === 'PENDING' && withdrawal.data?.withdrawCaseAccessRequest.id !== current.id) {
    return (
      <div className="access-pending">
        <div className="access-state" data-access="PENDING">Access requested {formatDate(current.createdAt)}: pending with the lead agency</div>
        <button type="button" className="withdraw-access" onClick={() => withdrawPending(current.id)} disabled={withdrawal.fetching}>
          Withdraw request
        </button>
        {withdrawal.error && <ErrorNote error={withdrawal.error} />}
      </div>
    );
  }
  const shown = withdrawal.data?.withdrawCaseAccessRequest.id === current?.id ? withdrawal.data?.withdrawCaseAccessRequest : current;
  return (
    <div className="request-access">
      {shown?.status === 'WITHDRAWN' && (
        <div className="access-state" data-access="WITHDRAWN">
          You withdrew your request of {formatDate(shown.createdAt)}
        </div>
      )}
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
