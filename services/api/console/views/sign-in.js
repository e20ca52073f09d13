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
      'Paste your operator token. It is sent once, to open a session of 8 hours: this tab then holds only a cookie readable by no script, which also opens the queues dashboard and the reports from here.',
    ),
    field('Operator token', token),
    errors,
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Sign in')),
  );
  show(main, h('section', { class: 'card signin' }, form));
  token.focus();
}
