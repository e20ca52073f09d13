import { signIn } from '../api.js';
import { field, h, problemBox, show } from '../dom.js';

/** Sign-in with an operator token (given by the administrator when the operator client was provisioned). */
export function signInView(main, done) {
  const token = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    required: true,
    placeholder: 'sne_…',
    id: 'token',
  });
  const errors = h('div');
  const form = h(
    'form',
    {
      onsubmit: async (event) => {
        event.preventDefault();
        errors.replaceChildren();
        try {
          await signIn(token.value.trim());
          await done();
        } catch (error) {
          errors.append(problemBox(error));
        }
      },
    },
    h('h1', {}, 'Sign in'),
    h(
      'p',
      { class: 'muted' },
      'Paste your operator token. It is kept in this tab only (sessionStorage) and in a cookie readable by no script, so that the queues dashboard and the reports open from here.',
    ),
    field('Operator token', token),
    errors,
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Sign in')),
  );
  show(main, h('section', { class: 'card signin' }, form));
  token.focus();
}
